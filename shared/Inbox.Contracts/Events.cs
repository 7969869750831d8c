namespace Inbox.Contracts;

/// <summary>A message the business sent moved on (sent, delivered, read, played) or failed.</summary>
public sealed record MessageStatusChanged(
    Guid TenantId,
    Guid ConversationId,
    Guid MessageId,
    string Wamid,
    string Status,
    DateTimeOffset StatusAt,
    int? ErrorCode,
    string? ErrorTitle,
    string? ErrorDetails) : StreamEvent(TenantId, ConversationId);

/// <summary>A stored message changed after the fact: a reaction came or went, its media became ready or failed.</summary>
public sealed record MessageUpdated(
    Guid TenantId,
    Guid ConversationId,
    Guid MessageId,
    IReadOnlyList<ReactionSnapshot>? Reactions,
    MediaSnapshot? Media) : StreamEvent(TenantId, ConversationId);

/// <summary>A conversation's list row changed: last message, unread count, its customer-service window.</summary>
public sealed record ConversationUpdated(Guid TenantId, ConversationSnapshot Conversation)
    : StreamEvent(TenantId, Conversation.Id);

/// <summary>Command to Workers: fetch a media file through the Graph API and store its bytes.</summary>
public sealed record DownloadMedia(
    Guid TenantId,
    Guid MediaFileId,
    Guid MessageId,
    Guid ConversationId,
    Guid ChannelId,
    string WhatsAppMediaId);
