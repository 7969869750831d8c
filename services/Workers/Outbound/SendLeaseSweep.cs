using Inbox.Contracts;
using Inbox.Data;
using Inbox.Data.Outbox;
using Inbox.Tenancy;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Quartz;

namespace Inbox.Workers.Outbound;

/// <summary>
/// Sends whose worker died (its lease ran out). Which ones is one cross-tenant read (a SECURITY DEFINER function);
/// each tenant's are then changed under its own row-level security, the expiry checked again in the UPDATE, so two
/// Workers instances never take the same one.
/// <list type="bullet">
/// <item>"claimed" (no Graph call was in flight): back to pending with a new SendWhatsAppMessage command, so it is
/// sent once.</item>
/// <item>"sending" (the worker died during a Graph call, which may have reached Meta): Meta has no idempotency key, so
/// sending again could deliver it twice. It becomes "unknown", like a call that timed out, with the reason; if Meta
/// took it, its status webhook carries the message id in biz_opaque_callback_data and WebhookIngest assigns the
/// wamid (reconcile_outbound_wamid); if not, the agent decides whether to send it again.</item>
/// </list>
/// </summary>
public sealed class SendLeaseSweep(NpgsqlDataSource dataSource, IServiceScopeFactory scopes, OutboxSignal signal)
{
    private const int BatchSize = 500;

    public const string DiedMidCall = "The worker sending it stopped during the call to WhatsApp: the message may or may not "
                                      + "have been sent. It is not re-sent automatically; WhatsApp's status updates will settle it.";

    /// <summary>Reclaims expired claims; returns how many messages were re-driven or marked unknown.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var expired = new List<(Guid TenantId, Guid MessageId, Guid ConversationId)>();
        await using (var command = dataSource.CreateCommand("select tenant_id, message_id, conversation_id from outbound_leases_expired($1)"))
        {
            command.Parameters.Add(new() { Value = BatchSize });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) expired.Add((reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2)));
        }
        var changed = 0;
        foreach (var tenantGroup in expired.GroupBy(e => e.TenantId))
        {
            await using var scope = scopes.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<TenantContext>().Set(tenantGroup.Key);
            var db = scope.ServiceProvider.GetRequiredService<InboxDbContext>();
            var ids = tenantGroup.Select(e => e.MessageId).ToArray();
            changed += await db.WriteEventsAsync(signal, tenantGroup.Select(e => e.ConversationId).ToArray(), async token =>
            {
                var resend = await db.Database.SqlQuery<Reclaimed>($"""
                    update messages set send_state = 'pending', send_claim_id = null, send_lease_until = null
                    where id = any({ids}) and send_state = 'claimed' and send_lease_until < now()
                    returning id as "MessageId", conversation_id as "ConversationId", channel_id as "ChannelId"
                    """).ToListAsync(token);
                foreach (var r in resend)
                    db.Outbox.Add(OutboxEvents.Create(tenantGroup.Key, new SendWhatsAppMessage(tenantGroup.Key, r.MessageId, r.ConversationId, r.ChannelId)));

                var unknown = await db.Database.SqlQuery<Guid>($"""
                    update messages set send_state = case when wamid is null then 'unknown' else 'accepted' end,
                                        send_lease_until = null,
                                        error_title = case when wamid is null then {DiedMidCall} else error_title end,
                                        error_details = case when wamid is null
                                                             then 'Claimed by ' || send_claimed_by || ' at ' || send_claimed_at || '; its lease ended.'
                                                             else error_details end
                    where id = any({ids}) and send_state = 'sending' and send_lease_until < now()
                    returning id as "Value"
                    """).ToListAsync(token);
                foreach (var id in unknown) await db.AddMessageStatusEventAsync(id, token);
                return resend.Count + unknown.Count;
            }, cancellationToken);
        }
        return changed;
    }

    private sealed record Reclaimed(Guid MessageId, Guid ConversationId, Guid ChannelId);
}

/// <summary>Outbound:LeaseSweepInterval (default 30 s): how often abandoned sends are looked for.</summary>
[DisallowConcurrentExecution]
public sealed class SendLeaseSweepJob(SendLeaseSweep sweep, ILogger<SendLeaseSweepJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            var changed = await sweep.RunAsync(cancellationToken);
            if (changed > 0) logger.LogWarning("Send lease sweep: {Count} sends of a stopped worker reclaimed", changed);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Send lease sweep failed; it runs again at its next interval");
        }
    }
}
