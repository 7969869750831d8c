using Inbox.Contracts;
using Inbox.Data;
using Inbox.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Inbox.Api.Conversations;

/// <summary>Conversations as a given agent sees them: one, or a page of any query, for every feature that shows them.</summary>
public static class ConversationViews
{
    /// <summary>One page of these conversations as the caller sees them, most recent activity first.</summary>
    public static async Task<Page<ConversationSnapshot>> PageAsync(
        IQueryable<Conversation> query, InboxDbContext db, Guid me, int take, string? cursor, CancellationToken cancellationToken)
    {
        if (Cursor.TryDecode(cursor, out var after))
            query = query.Where(c => c.ActivityAt < after.At || (c.ActivityAt == after.At && c.Id < after.Id));
        var rows = await query
            .OrderByDescending(c => c.ActivityAt).ThenByDescending(c => c.Id)
            .Take(take + 1)
            .Select(Snapshots.ConversationFor(db, me))
            .ToListAsync(cancellationToken);
        string? next = null;
        if (rows.Count > take)
        {
            rows.RemoveAt(take);
            var lastId = rows[^1].Id;
            next = Cursor.Encode(await db.Conversations.Where(c => c.Id == lastId).Select(c => c.ActivityAt).SingleAsync(cancellationToken), lastId);
        }
        return new Page<ConversationSnapshot>(rows, next);
    }

    /// <summary>One conversation as the caller sees it (their unread count, mute), or null when the tenant has none with this id.</summary>
    public static Task<ConversationSnapshot?> SnapshotAsync(InboxDbContext db, Guid id, Guid userId, CancellationToken cancellationToken) =>
        db.Conversations.AsNoTracking().Where(c => c.Id == id).Select(Snapshots.ConversationFor(db, userId))
            .FirstOrDefaultAsync(cancellationToken);
}
