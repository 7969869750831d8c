using Microsoft.EntityFrameworkCore;

namespace Inbox.Data.Outbox;

/// <summary>
/// The lock order every transaction that writes stream events keeps: the conversations its events are about FIRST
/// (in id order), before any message row. The outbox trigger locks an event's conversation to the commit (so a
/// conversation's events are numbered in commit order); a transaction that had locked a message before its
/// conversation could wait for the conversation while another, holding it, waits for that message — a deadlock
/// (seen between sends, status webhooks and Workers). Only conversations are locked: a tenant's writers of
/// different conversations never wait for each other (the relay numbers the tenant's stream).
/// </summary>
public static class ConversationLock
{
    /// <summary>NO KEY UPDATE: inserting a message takes KEY SHARE on its conversation (foreign key), which this allows.</summary>
    public static async Task LockConversationsAsync(this InboxDbContext db, IEnumerable<Guid> conversationIds, CancellationToken cancellationToken)
    {
        var ids = conversationIds.Distinct().Order().ToArray();
        if (ids.Length == 0) return;
        await db.Database.ExecuteSqlAsync(
            $"select 1 from conversations where id = any({ids}) order by id for no key update", cancellationToken);
    }

    /// <summary>The same lock for a conversation given as a SQL expression, for a raw batch inside its transaction.</summary>
    public static string LockFor(string conversationIdSql) =>
        $"select 1 from conversations where id = ({conversationIdSql}) for no key update";
}
