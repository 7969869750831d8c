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
    IReadOnlyList<ReactionSnapshot> Reactions);

/// <summary>A media attachment: pending until Workers have fetched it, then served by the API at <see cref="Url"/>.</summary>
public sealed record MediaSnapshot(string Status, string? MimeType, string? Filename, long? Size, string Url);

public sealed record ReactionSnapshot(Guid ContactId, string Emoji, DateTimeOffset ReactedAt);

/// <summary>A conversation as the inbox list shows it: the same shape in API responses and realtime events.</summary>
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
    DateTimeOffset? WindowClosesAt);
