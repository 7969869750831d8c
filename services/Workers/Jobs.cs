using Inbox.Data.Outbox;
using Inbox.Workers.Media;
using Inbox.Workers.Outbound;
using Inbox.Workers.Templates;
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
        var retention = RetentionSettings.From(builder.Configuration);
        builder.Services.AddSingleton(retention);
        var outbound = OutboundSettings.From(builder.Configuration);
        var media = MediaSettings.From(builder.Configuration);
        var templates = TemplateSyncSettings.From(builder.Configuration);
        builder.Services.AddQuartz(q =>
        {
            var sweep = new JobKey(nameof(OutboxSweepJob));
            q.AddJob<OutboxSweepJob>(j => j.WithIdentity(sweep));
            q.AddTrigger(t => t.ForJob(sweep).StartNow()
                .WithSimpleSchedule(s => s.WithInterval(OutboxSweepJob.Interval).RepeatForever()));
            Every<RetentionJob>(retention.Interval);
            Every<WakeSnoozedConversationsJob>(timersInterval);
            Every<AutoResolveConversationsJob>(timersInterval);
            Every<CloseServiceWindowsJob>(timersInterval);
            Every<SendLeaseSweepJob>(outbound.LeaseSweepInterval);
            Every<MediaDownloadSweepJob>(media.SweepInterval);
            Every<TemplateSyncJob>(templates.SweepInterval);
            Every<UnsentUploadSweepJob>(media.SweepInterval);

            void Every<TJob>(TimeSpan interval) where TJob : IJob
            {
                var key = new JobKey(typeof(TJob).Name);
                q.AddJob<TJob>(j => j.WithIdentity(key));
                q.AddTrigger(t => t.ForJob(key).StartNow().WithSimpleSchedule(s => s.WithInterval(interval).RepeatForever()));
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
