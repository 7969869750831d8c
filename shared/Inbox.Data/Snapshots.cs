using System.Linq.Expressions;
using System.Text.Json;
using Inbox.Contracts;
using Inbox.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Inbox.Data;

/// <summary>The one mapping from stored rows to the shapes the inbox shows (API responses and realtime events).</summary>
public static class Snapshots
{
    /// <summary>For events to the whole tenant: no per-agent unread count.</summary>
    public static readonly Expression<Func<Conversation, ConversationSnapshot>> Conversation = c => new ConversationSnapshot(
        c.Id, c.ChannelId, c.ContactId, c.Contact!.Name ?? c.Contact.ProfileName, c.Contact.WaId, c.Status, c.LastMessageAt,
        c.LastMessagePreview, c.UnreadCount, c.LastInboundAt, c.WindowClosesAt,
        c.WindowClosesAt != null && c.WindowClosesAt > DateTimeOffset.UtcNow,
        c.AssigneeId, c.Assignee!.DisplayName, c.Priority, c.Labels, c.SnoozedUntil, c.LastActivityAt, null, null);

    /// <summary>The tenant-wide list rows of these conversations (<see cref="Conversation"/>), as the writers send them.</summary>
    public static Task<List<ConversationSnapshot>> ConversationsAsync(
        InboxDbContext db, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken) =>
        db.Conversations.AsNoTracking().Where(c => ids.Contains(c.Id)).Select(Conversation).ToListAsync(cancellationToken);

    /// <summary>For one agent: with their unread count (the customer messages after their read cursor) and their mute.</summary>
    public static Expression<Func<Conversation, ConversationSnapshot>> ConversationFor(InboxDbContext db, Guid userId) =>
        c => new ConversationSnapshot(
            c.Id, c.ChannelId, c.ContactId, c.Contact!.Name ?? c.Contact.ProfileName, c.Contact.WaId, c.Status, c.LastMessageAt,
            c.LastMessagePreview, c.UnreadCount, c.LastInboundAt, c.WindowClosesAt,
            c.WindowClosesAt != null && c.WindowClosesAt > DateTimeOffset.UtcNow,
            c.AssigneeId, c.Assignee!.DisplayName, c.Priority, c.Labels, c.SnoozedUntil, c.LastActivityAt,
            db.Messages.Count(m => m.ConversationId == c.Id && m.Direction == "inbound"
                && !db.ConversationReads.Any(r => r.ConversationId == c.Id && r.UserId == userId && r.LastReadAt >= m.SentAt)),
            db.ConversationMutes.Any(m => m.ConversationId == c.Id && m.UserId == userId));

    public static ContactSnapshot Contact(Contact c) => new(
        c.Id, c.Name ?? c.ProfileName, c.WaId, c.Bsuid, JsonDocument.Parse(c.Attributes).RootElement.Clone(), c.CreatedAt, c.UpdatedAt,
        c.ProfileName, c.Name is not null);

    public static string MediaUrl(Guid messageId) => $"/api/messages/{messageId}/media";

    /// <summary>A message's file as the inbox shows it (an upload not sent yet belongs to no message: null).</summary>
    public static MediaSnapshot? Media(MediaFile? file) =>
        file?.MessageId is { } messageId ? new MediaSnapshot(file.Status, file.MimeType, file.Filename, file.FileSize, MediaUrl(messageId)) : null;

    /// <summary>Messages with their media and their current reactions (reactions are keyed by the target's wamid).</summary>
    public static async Task<List<MessageSnapshot>> MessagesAsync(
        IQueryable<Message> query, InboxDbContext db, CancellationToken cancellationToken)
    {
        var messages = await query.Include(m => m.MediaFile).AsNoTracking().ToListAsync(cancellationToken);
        var wamids = messages.Where(m => m.Wamid is not null).Select(m => m.Wamid!).ToList();
        var reactions = wamids.Count == 0
            ? []
            : await db.MessageReactions.AsNoTracking()
                .Where(r => r.Emoji != null && wamids.Contains(r.TargetWamid))
                .ToListAsync(cancellationToken);
        var byTarget = reactions.ToLookup(r => (r.ChannelId, r.TargetWamid));
        return messages.Select(m => Message(m, m.Wamid is null ? [] : byTarget[(m.ChannelId, m.Wamid)])).ToList();
    }

    public static async Task<List<ReactionSnapshot>> ReactionsAsync(
        InboxDbContext db, Guid channelId, string targetWamid, CancellationToken cancellationToken) =>
        (await db.MessageReactions.AsNoTracking()
            .Where(r => r.ChannelId == channelId && r.TargetWamid == targetWamid && r.Emoji != null)
            .OrderBy(r => r.ReactedAt)
            .ToListAsync(cancellationToken))
        .Select(Reaction).ToList();

    public static MessageSnapshot Message(Message m, IEnumerable<MessageReaction> reactions) => new(
        m.Id, m.ConversationId, m.Wamid, m.Direction, m.Type, m.Text, Element(m.Content), m.SentAt, m.Status, m.StatusAt,
        m.ErrorCode, m.ErrorTitle, m.ErrorDetails, m.ReplyToWamid, m.Forwarded, Element(m.Referral), Media(m.MediaFile),
        reactions.OrderBy(r => r.ReactedAt).Select(Reaction).ToList(), m.SenderUserId);

    private static ReactionSnapshot Reaction(MessageReaction r) => new(r.ContactId, r.Emoji!, r.ReactedAt);

    public static JsonElement? Element(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
}
