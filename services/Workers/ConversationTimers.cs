using Inbox.Data;
using Inbox.Data.Outbox;
using Inbox.Tenancy;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Quartz;

namespace Inbox.Workers;

/// <summary>
/// The conversation timers: a snooze that ended reopens the conversation; a conversation inactive for longer than
/// its tenant's auto-resolve setting is resolved; a customer-service window that passed is marked closed. Each
/// change is conversation:updated through the outbox. Which tenants have due work is one cross-tenant read (a
/// SECURITY DEFINER function); each tenant's rows are then changed under its own row-level security, with the
/// condition checked again in the UPDATE, so two Workers instances never apply (or announce) a change twice.
/// </summary>
public sealed class ConversationTimers(NpgsqlDataSource dataSource, IServiceScopeFactory scopes, OutboxSignal signal)
{
    public const string SnoozeEnded = "snooze_ended";
    public const string Inactive = "inactive";
    public const string WindowClosed = "window_closed";
    private const int BatchSize = 500;

    /// <summary>Applies the due changes of one kind; returns how many conversations changed.</summary>
    public async Task<int> RunAsync(string reason, CancellationToken cancellationToken)
    {
        var due = new List<(Guid TenantId, Guid ConversationId)>();
        await using (var command = dataSource.CreateCommand("select tenant_id, conversation_id from conversations_due($1) where reason = $2"))
        {
            command.Parameters.Add(new() { Value = BatchSize });
            command.Parameters.Add(new() { Value = reason });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) due.Add((reader.GetGuid(0), reader.GetGuid(1)));
        }
        var changed = 0;
        foreach (var tenantGroup in due.GroupBy(d => d.TenantId))
        {
            await using var scope = scopes.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<TenantContext>().Set(tenantGroup.Key);
            var db = scope.ServiceProvider.GetRequiredService<InboxDbContext>();
            var ids = tenantGroup.Select(d => d.ConversationId).ToArray();
            changed += await db.WriteEventsAsync(signal, ids, async token =>
            {
                var updated = await db.Database.SqlQueryRaw<Guid>(Sql(reason), ids).ToListAsync(token);
                if (updated.Count > 0) await db.AddConversationUpdatesAsync(updated, token);
                return updated.Count;
            }, cancellationToken);
        }
        return changed;
    }

    private static string Sql(string reason) => reason switch
    {
        SnoozeEnded => """
            update conversations set status = 'open', snoozed_until = null, last_activity_at = now(), updated_at = now()
            where id = any({0}) and status = 'snoozed' and snoozed_until <= now() returning id as "Value"
            """,
        Inactive => """
            update conversations c set status = 'resolved', updated_at = now()
            from tenants t
            where t.id = c.tenant_id and c.id = any({0}) and c.status in ('open', 'pending')
              and t.auto_resolve_after is not null and c.last_activity_at <= now() - t.auto_resolve_after
            returning c.id as "Value"
            """,
        WindowClosed => """
            update conversations set window_closed_at = window_closes_at, updated_at = now()
            where id = any({0}) and window_closes_at <= now() and window_closed_at is distinct from window_closes_at
            returning id as "Value"
            """,
        _ => throw new ArgumentOutOfRangeException(nameof(reason)),
    };
}

/// <summary>Jobs:ConversationTimersInterval (default 30 s): how often each timer looks for due conversations.</summary>
[DisallowConcurrentExecution]
public abstract class ConversationTimerJob(ConversationTimers timers, ILogger logger, string reason) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            var changed = await timers.RunAsync(reason, cancellationToken);
            if (changed > 0) logger.LogInformation("{Reason}: {Count} conversations changed", reason, changed);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Conversation timer {Reason} failed; it runs again at its next interval", reason);
        }
    }
}

/// <summary>A snoozed conversation whose time came is open again.</summary>
public sealed class WakeSnoozedConversationsJob(ConversationTimers timers, ILogger<WakeSnoozedConversationsJob> logger)
    : ConversationTimerJob(timers, logger, ConversationTimers.SnoozeEnded);

/// <summary>An open or pending conversation without activity for the tenant's auto-resolve time is resolved.</summary>
public sealed class AutoResolveConversationsJob(ConversationTimers timers, ILogger<AutoResolveConversationsJob> logger)
    : ConversationTimerJob(timers, logger, ConversationTimers.Inactive);

/// <summary>A 24-hour customer-service window that passed is announced closed (once per window).</summary>
public sealed class CloseServiceWindowsJob(ConversationTimers timers, ILogger<CloseServiceWindowsJob> logger)
    : ConversationTimerJob(timers, logger, ConversationTimers.WindowClosed);
