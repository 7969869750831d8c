using System.Text.Json;

namespace Inbox.Contracts;

/// <summary>A message as the inbox shows it: the same shape in API responses and in realtime events.</summary>
public sealed record MessageSnapshot(
    Guid Id,
    Guid ConversationId,
    string? Wamid,
    string Direction,
    string Type,
    string? Text,
    JsonElement? Content,
    DateTimeOffset SentAt,
    string? Status,
    DateTimeOffset? StatusAt,
    int? ErrorCode,
    string? ErrorTitle,
    string? ErrorDetails,
    string? ReplyToWamid,
    string? Forwarded,
    JsonElement? Referral,
    MediaSnapshot? Media,
    IReadOnlyList<ReactionSnapshot> Reactions,
    Guid? SenderUserId = null);

/// <summary>A media attachment: pending until Workers have fetched it, then served by the API at <see cref="Url"/>.</summary>
public sealed record MediaSnapshot(string Status, string? MimeType, string? Filename, long? Size, string Url);

public sealed record ReactionSnapshot(Guid ContactId, string Emoji, DateTimeOffset ReactedAt);

/// <summary>
/// A conversation as the inbox list shows it: the same shape in API responses and realtime events.
/// <see cref="UnreadCount"/> counts customer messages since any agent last read it; <see cref="MyUnreadCount"/>
/// since the agent asking did, and <see cref="Muted"/> whether they muted it (both API responses only: null in events,
/// which go to the whole tenant).
/// </summary>
public sealed record ConversationSnapshot(
    Guid Id,
    Guid ChannelId,
    Guid ContactId,
    string? ContactName,
    string? ContactWaId,
    string Status,
    DateTimeOffset? LastMessageAt,
    string? LastMessagePreview,
    int UnreadCount,
    DateTimeOffset? LastInboundAt,
    DateTimeOffset? WindowClosesAt,
    bool WindowOpen = false,
    Guid? AssigneeId = null,
    string? AssigneeName = null,
    string Priority = "none",
    IReadOnlyList<string>? Labels = null,
    DateTimeOffset? SnoozedUntil = null,
    DateTimeOffset? LastActivityAt = null,
    int? MyUnreadCount = null,
    bool? Muted = null);

/// <summary>
/// A customer as the inbox shows it. <see cref="Name"/> is what the inbox calls them: the name an agent gave
/// (<see cref="NamedByAgent"/>), else their WhatsApp <see cref="ProfileName"/> (as their latest message brought it,
/// never written over an agent's name). Attributes are the tenant's own key/value pairs.
/// </summary>
public sealed record ContactSnapshot(
    Guid Id,
    string? Name,
    string? WaId,
    string? Bsuid,
    JsonElement Attributes,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? ProfileName = null,
    bool NamedByAgent = false);
