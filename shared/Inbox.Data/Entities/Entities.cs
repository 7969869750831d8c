namespace Inbox.Data.Entities;

/// <summary>A row that belongs to one tenant: filtered by EF and by PostgreSQL row-level security.</summary>
public interface ITenantOwned
{
    Guid TenantId { get; }
}

public sealed class Tenant
{
    public Guid Id { get; set; }
    public required string Slug { get; set; }
    public required string Name { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A person who can log in. Global: one person may work in several tenants through memberships.</summary>
public sealed class User
{
    public Guid Id { get; set; }
    public required string Email { get; set; }
    public required string DisplayName { get; set; }
    public required string PasswordHash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public static class Roles
{
    public const string Owner = "owner";
    public const string Admin = "admin";
    public const string Agent = "agent";
}

public sealed class Membership : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid UserId { get; set; }
    public required string Role { get; set; }
    public bool Active { get; set; } = true;
    public DateTimeOffset CreatedAt { get; set; }
    public User? User { get; set; }
}

/// <summary>A WhatsApp business number of a tenant. Its access token is stored encrypted, never in plain text.</summary>
public sealed class Channel : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public required string PhoneNumberId { get; set; }
    public required string WabaId { get; set; }
    public required string DisplayPhoneNumber { get; set; }
    public byte[]? AccessTokenEncrypted { get; set; }
    public bool Active { get; set; } = true;
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A WhatsApp customer, known by phone (wa_id), by business-scoped user id (BSUID), or both.</summary>
public sealed class Contact : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public string? WaId { get; set; }
    public string? Bsuid { get; set; }
    public string? Name { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public sealed class Conversation : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid ChannelId { get; set; }
    public Guid ContactId { get; set; }
    public string Status { get; set; } = "open";
    public DateTimeOffset? LastMessageAt { get; set; }
    public DateTimeOffset? LastInboundAt { get; set; }
    public string? LastMessagePreview { get; set; }
    public int UnreadCount { get; set; }
    public DateTimeOffset? WindowClosesAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public Contact? Contact { get; set; }
}

public sealed class Message : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid ConversationId { get; set; }
    public Guid ChannelId { get; set; }
    public string? Wamid { get; set; }
    public required string Direction { get; set; }
    public required string Type { get; set; }
    public string? Text { get; set; }
    public string? Content { get; set; }
    public string? Payload { get; set; }
    public DateTimeOffset SentAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string? ReplyToWamid { get; set; }
    public string? Forwarded { get; set; }
    public string? Referral { get; set; }
    public string? MediaStatus { get; set; }
    public string? Status { get; set; }
    public DateTimeOffset? StatusAt { get; set; }
    public DateTimeOffset? StatusSentAt { get; set; }
    public DateTimeOffset? StatusDeliveredAt { get; set; }
    public DateTimeOffset? StatusReadAt { get; set; }
    public DateTimeOffset? StatusPlayedAt { get; set; }
    public DateTimeOffset? StatusFailedAt { get; set; }
    public int? ErrorCode { get; set; }
    public string? ErrorTitle { get; set; }
    public string? ErrorDetails { get; set; }
    public string? PricingCategory { get; set; }
    public MediaFile? MediaFile { get; set; }
}

/// <summary>A contact's reaction to a message, keyed by the target's wamid (the target may arrive later).
/// A null emoji is a removal, kept so that an older reaction arriving late cannot bring it back.</summary>
public sealed class MessageReaction : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid ChannelId { get; set; }
    public required string TargetWamid { get; set; }
    public Guid ContactId { get; set; }
    public string? Emoji { get; set; }
    public DateTimeOffset ReactedAt { get; set; }
    public required string Wamid { get; set; }
}

/// <summary>A status reported for a wamid Inbox does not know yet, applied when the message appears.</summary>
public sealed class PendingStatus : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid ChannelId { get; set; }
    public required string Wamid { get; set; }
    public required string Status { get; set; }
    public DateTimeOffset StatusAt { get; set; }
    public int? ErrorCode { get; set; }
    public string? ErrorTitle { get; set; }
    public string? ErrorDetails { get; set; }
    public string? PricingCategory { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
}

public static class MediaStatuses
{
    public const string Pending = "pending";
    public const string Ready = "ready";
    public const string Failed = "failed";
}

/// <summary>A media attachment of a message: announced by the webhook, fetched by Workers, served by the API.</summary>
public sealed class MediaFile : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid MessageId { get; set; }
    public Guid ChannelId { get; set; }
    public required string WhatsAppMediaId { get; set; }
    public string? MimeType { get; set; }
    public string? Sha256 { get; set; }
    public string? Filename { get; set; }
    public long? FileSize { get; set; }
    public string Status { get; set; } = MediaStatuses.Pending;
    public int Attempts { get; set; }
    public string? LastError { get; set; }
    public string? StorageKey { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>The bytes of a media file, when stored in PostgreSQL.</summary>
public sealed class MediaBlob : ITenantOwned
{
    public Guid MediaFileId { get; set; }
    public Guid TenantId { get; set; }
    public required byte[] Content { get; set; }
}

/// <summary>Every webhook envelope as received (exact bytes and signature), with what became of it. Not tenant-owned:
/// one envelope can carry several tenants' numbers.</summary>
public sealed class WebhookLedgerEntry
{
    public long Id { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public required string Signature { get; set; }
    public required byte[] Body { get; set; }
    public required string Outcome { get; set; }
    public string? Detail { get; set; }
    public DateTimeOffset? ReplayedAt { get; set; }
    public int ReplayCount { get; set; }
}

/// <summary>An event committed with the state that caused it, waiting for the relay to publish it.</summary>
public sealed class OutboxMessage : ITenantOwned
{
    public long Id { get; set; }
    public Guid TenantId { get; set; }
    public required string MessageType { get; set; }
    public required string Payload { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? PublishedAt { get; set; }

    /// <summary>Reaches browsers: numbered into the tenant's stream (and the conversation's) by the database.</summary>
    public bool Streamed { get; set; }
    public Guid? ConversationId { get; set; }
    public long? Position { get; set; }
    public long? Sequence { get; set; }
}
