using Inbox.Data;
using Inbox.Tenancy;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Quartz;

namespace Inbox.Workers.Media;

/// <summary>
/// Files agents uploaded and never sent (the page was closed with a file in the composer) are deleted, bytes and row,
/// once older than Media:UnsentUploadLifetime. Which files is one cross-tenant read (a SECURITY DEFINER function);
/// each tenant's are deleted under its own row-level security, locked as a send naming one would lock it, and only
/// while still unsent: a send that took one meanwhile keeps it.
/// </summary>
public sealed class UnsentUploadSweep(NpgsqlDataSource dataSource, IServiceScopeFactory scopes, MediaSettings settings)
{
    private const int BatchSize = 500;

    /// <summary>Returns how many uploads were deleted.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var unsent = new List<(Guid TenantId, Guid MediaFileId)>();
        await using (var command = dataSource.CreateCommand("select tenant_id, media_file_id from media_uploads_unsent($1, $2)"))
        {
            command.Parameters.Add(new() { Value = settings.UnsentUploadLifetime });
            command.Parameters.Add(new() { Value = BatchSize });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) unsent.Add((reader.GetGuid(0), reader.GetGuid(1)));
        }
        var deleted = 0;
        foreach (var tenantGroup in unsent.GroupBy(u => u.TenantId))
        {
            await using var scope = scopes.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<TenantContext>().Set(tenantGroup.Key);
            var db = scope.ServiceProvider.GetRequiredService<InboxDbContext>();
            var store = scope.ServiceProvider.GetRequiredService<IMediaStore>();
            var ids = tenantGroup.Select(u => u.MediaFileId).Order().ToArray();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await db.Database.ExecuteSqlAsync(
                $"select 1 from media_files where id = any({ids}) and message_id is null order by id for update", cancellationToken);
            var files = await db.MediaFiles.Where(f => ids.Contains(f.Id) && f.MessageId == null).ToListAsync(cancellationToken);
            foreach (var file in files) await store.DeleteAsync(file, cancellationToken);
            db.MediaFiles.RemoveRange(files);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            deleted += files.Count;
        }
        return deleted;
    }
}

/// <summary>Runs every Media:SweepInterval (default 1 min).</summary>
[DisallowConcurrentExecution]
public sealed class UnsentUploadSweepJob(UnsentUploadSweep sweep, ILogger<UnsentUploadSweepJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            var deleted = await sweep.RunAsync(cancellationToken);
            if (deleted > 0) logger.LogInformation("Upload sweep: {Count} uploads never sent were deleted", deleted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Upload sweep failed; it runs again at its next interval");
        }
    }
}
