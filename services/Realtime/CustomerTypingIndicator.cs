using Inbox.Contracts;
using Inbox.Data;
using Inbox.Data.Outbox;
using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;

namespace Inbox.Realtime;

/// <summary>
/// WhatsApp's typing indicator for the customer: while an agent types a reply (not a note) in a conversation of a
/// tenant with read receipts on, the newest customer message is marked read with <c>typing_indicator</c>, so the
/// customer sees "typing…" (until the reply, or 25 s). At most once per Realtime:CustomerTypingSeconds per
/// conversation, whichever instance the agents are on: the first to set a Redis key that expires after that long
/// sends it. Only while the 24-hour window is open, and only for a message with a wamid. Workers send it
/// (<see cref="SendReadReceipt"/> with TypingAt), through the outbox: retried, and run for the tenant in its header.
/// Without Redis none is sent (there would be no throttle).
/// </summary>
public sealed class CustomerTypingIndicator(RealtimeRedis redis, RealtimeSettings settings, OutboxSignal relay,
    ILogger<CustomerTypingIndicator> logger)
{
    private string Sent(Guid tenantId, Guid conversationId) => $"{redis.KeyPrefix}t:{tenantId}:c:{conversationId}:customer-typing";

    /// <summary>An agent of the conversation's tenant (the caller's, set on <paramref name="db"/>) is typing a reply in it.</summary>
    public async Task AgentTypingAsync(InboxDbContext db, Guid tenantId, Guid conversationId, CancellationToken cancellationToken)
    {
        try
        {
            // Taken before the database is asked, so typists on every instance cost one Redis call per throttle period.
            if (!await redis.Database.StringSetAsync(Sent(tenantId, conversationId), 1, settings.CustomerTypingInterval, When.NotExists))
                return;
            if (!await db.Tenants.Select(t => t.ReadReceipts).SingleAsync(cancellationToken)) return;
            var now = DateTimeOffset.UtcNow;
            var conversation = await db.Conversations.AsNoTracking().Where(c => c.Id == conversationId)
                .Select(c => new { c.ChannelId, c.WindowClosesAt }).SingleOrDefaultAsync(cancellationToken);
            if (conversation?.WindowClosesAt is not { } closesAt || closesAt <= now) return;
            var newest = await db.Messages.AsNoTracking()
                .Where(m => m.ConversationId == conversationId && m.Direction == "inbound" && m.Wamid != null)
                .OrderByDescending(m => m.SentAt).ThenByDescending(m => m.Id)
                .Select(m => new { m.Id, m.Wamid }).FirstOrDefaultAsync(cancellationToken);
            if (newest is null) return;
            db.Outbox.Add(OutboxEvents.Create(tenantId,
                new SendReadReceipt(tenantId, conversationId, conversation.ChannelId, newest.Id, newest.Wamid!, TypingAt: now)));
            await db.SaveChangesAsync(cancellationToken);
            relay.Notify();
        }
        catch (Exception ex) when (ex is RedisException or DbUpdateException or Npgsql.NpgsqlException or TimeoutException)
        {
            // The agents' own "typing…" went out already; only the customer's is missed.
            logger.LogWarning(ex, "No typing indicator for the customer of conversation {ConversationId}", conversationId);
        }
    }
}
