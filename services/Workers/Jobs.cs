using Inbox.Data.Outbox;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Quartz;

namespace Inbox.Workers;

public static class Jobs
{
    public static WebApplicationBuilder AddInboxJobs(this WebApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<OutboxPublisher>();
        builder.Services.AddSingleton<ConversationTimers>();
        var timersInterval = builder.Configuration.GetValue<TimeSpan?>("Jobs:ConversationTimersInterval") ?? TimeSpan.FromSeconds(30);
        builder.Services.AddQuartz(q =>
        {
            var sweep = new JobKey(nameof(OutboxSweepJob));
            q.AddJob<OutboxSweepJob>(j => j.WithIdentity(sweep));
            q.AddTrigger(t => t.ForJob(sweep).StartNow()
                .WithSimpleSchedule(s => s.WithInterval(OutboxSweepJob.Interval).RepeatForever()));
            var prune = new JobKey(nameof(OutboxPruneJob));
            q.AddJob<OutboxPruneJob>(j => j.WithIdentity(prune));
            q.AddTrigger(t => t.ForJob(prune).StartNow()
                .WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromHours(1)).RepeatForever()));
            Every<WakeSnoozedConversationsJob>();
            Every<AutoResolveConversationsJob>();
            Every<CloseServiceWindowsJob>();

            void Every<TJob>() where TJob : IJob
            {
                var key = new JobKey(typeof(TJob).Name);
                q.AddJob<TJob>(j => j.WithIdentity(key));
                q.AddTrigger(t => t.ForJob(key).StartNow().WithSimpleSchedule(s => s.WithInterval(timersInterval).RepeatForever()));
            }
        });
        builder.Services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        return builder;
    }
}

/// <summary>
/// The cross-process safety net for the outbox: each writing service relays its own rows right after commit;
/// this publishes any row still unpublished after a while, e.g. when the service that wrote it has died.
/// </summary>
[DisallowConcurrentExecution]
public sealed class OutboxSweepJob(OutboxPublisher publisher, ILogger<OutboxSweepJob> logger) : IJob
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan MinAge = TimeSpan.FromSeconds(30);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            var published = await publisher.DrainAsync(MinAge, cancellationToken);
            if (published > 0) logger.LogWarning("Outbox sweep published {Count} rows left behind", published);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Outbox sweep failed; it runs again in {Interval}", Interval);
        }
    }
}

/// <summary>
/// The outbox doubles as the tenants' event streams, kept so reconnecting clients can catch up; published rows
/// older than Outbox:RetentionHours (default 72) are removed. A client further behind is told to reload.
/// </summary>
[DisallowConcurrentExecution]
public sealed class OutboxPruneJob(Npgsql.NpgsqlDataSource dataSource, IConfiguration configuration, ILogger<OutboxPruneJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var retention = TimeSpan.FromHours(configuration.GetValue<double?>("Outbox:RetentionHours") ?? 72);
        await using var command = dataSource.CreateCommand("select outbox_prune($1)");
        command.Parameters.Add(new() { Value = retention });
        var pruned = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        if (pruned > 0) logger.LogInformation("Pruned {Count} published outbox rows older than {Retention}", pruned, retention);
    }
}
