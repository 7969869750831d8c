using Npgsql;
using Quartz;

namespace Inbox.Workers;

/// <summary>
/// Retention:LedgerDays (default 30): raw webhooks kept in the ledger (for replay and audit);
/// Retention:PublishedEventsDays (default 3): published outbox rows, which are the tenants' event streams that
/// reconnecting clients catch up from (older: /api/events answers 410 and the client reloads); unpublished rows are
/// never pruned. Retention:BatchSize (5,000) rows per DELETE, Retention:Interval (1 h) between runs.
/// </summary>
public sealed record RetentionSettings(TimeSpan Ledger, TimeSpan PublishedEvents, int BatchSize, TimeSpan Interval)
{
    public static RetentionSettings From(IConfiguration configuration) => new(
        TimeSpan.FromDays(configuration.GetValue<double?>("Retention:LedgerDays") ?? 30),
        TimeSpan.FromDays(configuration.GetValue<double?>("Retention:PublishedEventsDays") ?? 3),
        Math.Max(1, configuration.GetValue<int?>("Retention:BatchSize") ?? 5_000),
        configuration.GetValue<TimeSpan?>("Retention:Interval") ?? TimeSpan.FromHours(1));
}

/// <summary>
/// Prunes the webhook ledger and published outbox rows past their retention, for every tenant at once (the ledger
/// belongs to no tenant; the outbox rows are deleted by a SECURITY DEFINER function). One batch per statement, each
/// its own short transaction, until a batch comes back short: no long locks, no whole-table delete.
/// </summary>
[DisallowConcurrentExecution]
public sealed class RetentionJob(NpgsqlDataSource dataSource, RetentionSettings settings, ILogger<RetentionJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            var ledger = await PruneAsync("webhook_ledger_prune", settings.Ledger, cancellationToken);
            var events = await PruneAsync("outbox_prune", settings.PublishedEvents, cancellationToken);
            if (ledger + events > 0)
                logger.LogInformation("Retention: pruned {Ledger} ledger rows older than {LedgerRetention} and {Events} published events older than {EventsRetention}",
                    ledger, settings.Ledger, events, settings.PublishedEvents);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Retention pruning failed; it runs again in {Interval}", settings.Interval);
        }
    }

    private async Task<long> PruneAsync(string function, TimeSpan retention, CancellationToken cancellationToken)
    {
        long total = 0;
        while (true)
        {
            await using var command = dataSource.CreateCommand($"select {function}($1, $2)");
            command.Parameters.Add(new() { Value = retention });
            command.Parameters.Add(new() { Value = settings.BatchSize });
            var deleted = (int)(await command.ExecuteScalarAsync(cancellationToken))!;
            total += deleted;
            if (deleted < settings.BatchSize) return total;
        }
    }
}
