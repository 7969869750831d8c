using Npgsql;
using Quartz;

namespace Inbox.Workers.Templates;

/// <summary>
/// The schedule: numbers whose templates were never read, were read longer than Templates:SyncInterval ago, or whose
/// last read failed longer than Templates:RetryInterval ago, are claimed (one cross-tenant SECURITY DEFINER function,
/// so two Workers do not read the same one) and read one after another, each for its own tenant. One number failing
/// — Meta refusing its token, or anything else — is recorded for it and the others go on.
/// </summary>
public sealed class TemplateSyncSweep(NpgsqlDataSource dataSource, TemplateSync sync, TemplateSyncSettings settings, ILogger<TemplateSyncSweep> logger)
{
    private const int BatchSize = 100;

    /// <summary>Reads the due numbers' templates; returns how many were read successfully.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var due = new List<(Guid TenantId, Guid ChannelId)>();
        await using (var command = dataSource.CreateCommand("select tenant_id, channel_id from template_syncs_due($1, $2, $3)"))
        {
            command.Parameters.Add(new() { Value = settings.SyncInterval });
            command.Parameters.Add(new() { Value = settings.RetryInterval });
            command.Parameters.Add(new() { Value = BatchSize });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) due.Add((reader.GetGuid(0), reader.GetGuid(1)));
        }
        return await SyncEachAsync(due, cancellationToken);
    }

    /// <summary>Reads each number's templates in turn; a failure of one is logged (and recorded by the read) and the next goes on.</summary>
    public async Task<int> SyncEachAsync(IReadOnlyList<(Guid TenantId, Guid ChannelId)> numbers, CancellationToken cancellationToken)
    {
        var succeeded = 0;
        foreach (var (tenantId, channelId) in numbers)
        {
            try
            {
                if ((await sync.SyncAsync(tenantId, channelId, cancellationToken)).Error is null) succeeded++;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Reading the templates of number {ChannelId} (tenant {TenantId}) failed; the others go on", channelId, tenantId);
            }
        }
        return succeeded;
    }
}

/// <summary>Templates:SweepInterval (1 min): reads the templates that are due (see <see cref="TemplateSyncSweep"/>).</summary>
[DisallowConcurrentExecution]
public sealed class TemplateSyncJob(TemplateSyncSweep sweep, ILogger<TemplateSyncJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            var read = await sweep.RunAsync(cancellationToken);
            if (read > 0) logger.LogInformation("Template sync: {Count} numbers read", read);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Template sync failed; it runs again at its next interval");
        }
    }
}
