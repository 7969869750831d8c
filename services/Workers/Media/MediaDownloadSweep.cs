using Inbox.Contracts;
using Inbox.Data;
using Inbox.Data.Entities;
using Inbox.Data.Outbox;
using Inbox.Tenancy;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Quartz;

namespace Inbox.Workers.Media;

/// <summary>
/// Media downloads nobody is working on: a file pending with no news for Media:PendingDeadline (its worker died, or its
/// command was lost) is sent to Workers once more; if it is still pending a deadline later, it is failed with the
/// reason, and the inbox hears message:updated as for any failed download. Which files is one cross-tenant read
/// (a SECURITY DEFINER function); each tenant's are changed under its own row-level security, the condition checked
/// again in the UPDATE, so two Workers instances never act on the same file twice.
/// </summary>
public sealed class MediaDownloadSweep(NpgsqlDataSource dataSource, IServiceScopeFactory scopes, OutboxSignal signal, MediaSettings settings)
{
    private const int BatchSize = 500;

    /// <summary>Returns how many files were re-submitted or failed.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var overdue = new List<(Guid TenantId, Guid MediaFileId, Guid ConversationId)>();
        await using (var command = dataSource.CreateCommand("select tenant_id, media_file_id, conversation_id from media_downloads_overdue($1, $2)"))
        {
            command.Parameters.Add(new() { Value = settings.PendingDeadline });
            command.Parameters.Add(new() { Value = BatchSize });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) overdue.Add((reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2)));
        }
        var changed = 0;
        foreach (var tenantGroup in overdue.GroupBy(o => o.TenantId))
        {
            await using var scope = scopes.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<TenantContext>().Set(tenantGroup.Key);
            var db = scope.ServiceProvider.GetRequiredService<InboxDbContext>();
            changed += await db.WriteEventsAsync(signal, tenantGroup.Select(o => o.ConversationId).ToArray(),
                token => ChangeAsync(db, tenantGroup.Key, tenantGroup.Select(o => o.MediaFileId).ToArray(), token), cancellationToken);
        }
        return changed;
    }

    private async Task<int> ChangeAsync(InboxDbContext db, Guid tenantId, Guid[] ids, CancellationToken cancellationToken)
    {
        var deadline = settings.PendingDeadline;
        var resubmitted = await db.Database.SqlQuery<Resubmitted>($"""
            update media_files f set resubmitted_at = now(), updated_at = now()
            from messages m
            where m.id = f.message_id and f.id = any({ids}) and f.status = 'pending' and f.updated_at < now() - {deadline}
              and f.resubmitted_at is null
            returning f.id as "MediaFileId", f.message_id as "MessageId", m.conversation_id as "ConversationId",
                      f.channel_id as "ChannelId", f.whatsapp_media_id as "WhatsAppMediaId"
            """).ToListAsync(cancellationToken);
        foreach (var r in resubmitted)
            db.Outbox.Add(OutboxEvents.Create(tenantId,
                new DownloadMedia(tenantId, r.MediaFileId, r.MessageId, r.ConversationId, r.ChannelId, r.WhatsAppMediaId)));

        var reason = $"The download did not finish within {deadline}, twice (a Workers process may have stopped mid-download).";
        var failed = await db.Database.SqlQuery<Guid>($"""
            update media_files set status = 'failed', last_error = {reason}, updated_at = now()
            where id = any({ids}) and status = 'pending' and updated_at < now() - {deadline} and resubmitted_at is not null
            returning id as "Value"
            """).ToListAsync(cancellationToken);
        if (failed.Count > 0)
        {
            var files = await db.MediaFiles.AsNoTracking().Where(f => failed.Contains(f.Id)).ToListAsync(cancellationToken);
            var messageIds = files.Select(f => f.MessageId!.Value).ToArray(); // downloads are of messages
            await db.Messages.Where(m => messageIds.Contains(m.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.MediaStatus, MediaStatuses.Failed), cancellationToken);
            var conversations = await db.Messages.AsNoTracking().Where(m => messageIds.Contains(m.Id))
                .ToDictionaryAsync(m => m.Id, m => m.ConversationId, cancellationToken);
            foreach (var file in files)
                db.Outbox.Add(OutboxEvents.Create(tenantId,
                    new MessageUpdated(tenantId, conversations[file.MessageId!.Value], file.MessageId.Value, null, Snapshots.Media(file))));
        }
        return resubmitted.Count + failed.Count;
    }

    private sealed record Resubmitted(Guid MediaFileId, Guid MessageId, Guid ConversationId, Guid ChannelId, string WhatsAppMediaId);
}

/// <summary>Media:SweepInterval (default 1 min): how often downloads left pending are looked for.</summary>
[DisallowConcurrentExecution]
public sealed class MediaDownloadSweepJob(MediaDownloadSweep sweep, ILogger<MediaDownloadSweepJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            var changed = await sweep.RunAsync(cancellationToken);
            if (changed > 0) logger.LogWarning("Media sweep: {Count} downloads left pending re-submitted or failed", changed);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Media sweep failed; it runs again at its next interval");
        }
    }
}
