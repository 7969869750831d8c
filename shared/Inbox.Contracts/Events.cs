namespace Inbox.Contracts;

/// <summary>An agent wrote a message (queued for WhatsApp) or a private note; the conversation shows it at once.</summary>
public sealed record MessageCreated(Guid TenantId, Guid ConversationId, MessageSnapshot Message)
    : StreamEvent(TenantId, ConversationId);

/// <summary>
/// Command to Workers: send a queued outbound message through the Graph API. The message row holds everything
/// (request, channel, recipient); this names it. Defined once, here.
/// </summary>
public sealed record SendWhatsAppMessage(Guid TenantId, Guid MessageId, Guid ConversationId, Guid ChannelId);

/// <summary>
/// Command to Workers: tell WhatsApp the business read the customer's messages up to this one. With
/// <paramref name="TypingAt"/> (an agent started typing a reply then) the customer also sees "typing…", if it is
/// still fresh when sent (WhatsApp shows it 25 s at most).
/// </summary>
public sealed record SendReadReceipt(Guid TenantId, Guid ConversationId, Guid ChannelId, Guid MessageId, string Wamid,
    DateTimeOffset? TypingAt = null);

/// <summary>
/// Command to Workers: read the templates of the channel's WhatsApp Business Account from the Graph API and store
/// them (a number was added or changed, or Meta reported a status change of a template not known here).
/// </summary>
public sealed record SyncTemplates(Guid TenantId, Guid ChannelId);

/// <summary>A message the business sent moved on (queued → sent, delivered, read, played), failed, or its send's
/// outcome is unknown (status still queued, with an explanation in ErrorTitle). Wamid is null until known.</summary>
public sealed record MessageStatusChanged(
    Guid TenantId,
    Guid ConversationId,
    Guid MessageId,
    string? Wamid,
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
