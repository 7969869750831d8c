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

    /// <summary>Send a read receipt to WhatsApp when an agent reads a conversation.</summary>
    public bool ReadReceipts { get; set; }

    /// <summary>Resolve open and pending conversations after this long without activity; null: never.</summary>
    public TimeSpan? AutoResolveAfter { get; set; }

    /// <summary>How many seats the plan has: active members (and pending invites, when counted) fill them.</summary>
    public int SeatLimit { get; set; } = 10;

    /// <summary>Whether a pending invite holds a seat until it is accepted, revoked or expires.</summary>
    public bool CountPendingInvites { get; set; } = true;
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
    public DateTimeOffset? DeactivatedAt { get; set; }
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
    public string Name { get; set; } = "";
    public byte[]? AppSecretEncrypted { get; set; }
    public byte[]? VerifyTokenEncrypted { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>How a number is doing: written by WebhookIngest (last webhook) and Workers (last send error).</summary>
public sealed class ChannelHealth : ITenantOwned
{
    public Guid ChannelId { get; set; }
    public Guid TenantId { get; set; }
    public DateTimeOffset? LastWebhookAt { get; set; }
    public DateTimeOffset? LastSendErrorAt { get; set; }
    public string? LastSendError { get; set; }

    /// <summary>The last read of the number's templates: when it was tried, when it last succeeded, and why it failed (null: it did not).</summary>
    public DateTimeOffset? TemplateSyncAttemptedAt { get; set; }
    public DateTimeOffset? TemplatesSyncedAt { get; set; }
    public string? TemplateSyncError { get; set; }
}

/// <summary>Webhooks with a bad signature that named this number, per hour.</summary>
public sealed class ChannelSignatureFailures : ITenantOwned
{
    public Guid ChannelId { get; set; }
    public Guid TenantId { get; set; }
    public DateTimeOffset Hour { get; set; }
    public int Failures { get; set; }
}

/// <summary>An invitation to join a tenant; the token itself is shown once, only its SHA-256 is kept.</summary>
public sealed class Invite : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public required string Email { get; set; }
    public required string Role { get; set; }
    public required byte[] TokenHash { get; set; }
    public Guid InvitedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? AcceptedAt { get; set; }
    public Guid? AcceptedBy { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public User? Inviter { get; set; }
}

/// <summary>One admin action: who did what to which target, with the state before and after (never a secret).</summary>
public sealed class AuditEntry : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public DateTimeOffset At { get; set; }
    public Guid? ActorUserId { get; set; }
    public required string Action { get; set; }
    public required string TargetType { get; set; }
    public string? TargetId { get; set; }
    public string? Before { get; set; }
    public string? After { get; set; }
    public User? Actor { get; set; }
}

/// <summary>A WhatsApp customer, known by phone (wa_id), by business-scoped user id (BSUID), or both.</summary>
public sealed class Contact : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public string? WaId { get; set; }
    public string? Bsuid { get; set; }

    /// <summary>An agent's name for the customer; ingest never writes it. Null: the inbox shows <see cref="ProfileName"/>.</summary>
    public string? Name { get; set; }

    /// <summary>The customer's WhatsApp profile name, as their latest message brought it.</summary>
    public string? ProfileName { get; set; }

    public string Attributes { get; set; } = "{}";
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
    public Guid? AssigneeId { get; set; }
    public string Priority { get; set; } = Priorities.None;
    public List<string> Labels { get; set; } = [];
    public DateTimeOffset? SnoozedUntil { get; set; }
    public DateTimeOffset LastActivityAt { get; set; }

    /// <summary>The window_closes_at already announced as closed (so each closing is announced once).</summary>
    public DateTimeOffset? WindowClosedAt { get; set; }

    /// <summary>The inbound message a read receipt was last sent for.</summary>
    public Guid? ReadReceiptMessageId { get; set; }

    /// <summary>Sort key of the list: the last message, or creation (generated by PostgreSQL).</summary>
    public DateTimeOffset ActivityAt { get; set; }
    public Contact? Contact { get; set; }
    public User? Assignee { get; set; }
}

public static class ConversationStatuses
{
    public const string Open = "open";
    public const string Pending = "pending";
    public const string Resolved = "resolved";
    public const string Snoozed = "snoozed";
    public static readonly string[] All = [Open, Pending, Resolved, Snoozed];
}

public static class Priorities
{
    public const string None = "none";
    public static readonly string[] All = [None, "low", "medium", "high", "urgent"];
}

/// <summary>How far one agent has read one conversation; their unread count is the inbound messages after it.</summary>
public sealed class ConversationRead : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid ConversationId { get; set; }
    public Guid UserId { get; set; }
    public DateTimeOffset LastReadAt { get; set; }
}

/// <summary>An agent muted a conversation: no notification of its new messages for them.</summary>
public sealed class ConversationMute : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid ConversationId { get; set; }
    public Guid UserId { get; set; }
    public DateTimeOffset MutedAt { get; set; }
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
    public Guid? SenderUserId { get; set; }
    public string? IdempotencyKey { get; set; }
    public string? RequestHash { get; set; }
    public string? SendState { get; set; }
    public int SendAttempts { get; set; }

    /// <summary>The claim of the worker sending it (a fencing token), who that is, when, and until when it holds.</summary>
    public Guid? SendClaimId { get; set; }
    public string? SendClaimedBy { get; set; }
    public DateTimeOffset? SendClaimedAt { get; set; }
    public DateTimeOffset? SendLeaseUntil { get; set; }
    public MediaFile? MediaFile { get; set; }
}

/// <summary>The send's own bookkeeping, apart from the status WhatsApp reports.</summary>
public static class SendStates
{
    public const string Pending = "pending";

    /// <summary>A worker holds it (until its lease ends) and no Graph call is in flight: safe to send again if the worker dies.</summary>
    public const string Claimed = "claimed";

    /// <summary>A Graph call is in flight: it may have reached Meta, so a dead worker's send becomes <see cref="Unknown"/>.</summary>
    public const string Sending = "sending";
    public const string Accepted = "accepted";
    public const string Failed = "failed";

    /// <summary>The Graph API did not answer (timeout, connection lost after sending): never re-sent blindly.</summary>
    public const string Unknown = "unknown";
}

/// <summary>One login: refresh tokens rotate inside it; revoking it (logout, reuse) ends every token it issued.</summary>
public sealed class AuthSession : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid UserId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}

/// <summary>A refresh token, stored only as its SHA-256 hash.</summary>
public sealed class RefreshToken : ITenantOwned
{
    public required byte[] TokenHash { get; set; }
    public Guid SessionId { get; set; }
    public Guid TenantId { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? UsedAt { get; set; }
    /// <summary>The hash of the token issued in exchange for this one.</summary>
    public byte[]? ReplacedBy { get; set; }
}

/// <summary>A saved reply: tenant-wide (no owner) or personal to one agent.</summary>
public sealed class CannedResponse : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid? OwnerUserId { get; set; }
    public required string ShortCode { get; set; }
    public required string Content { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>
/// A template of one of the tenant's WhatsApp Business Accounts, as Meta holds it: read from the Graph API (when a
/// number is added, on a schedule) and kept current by Meta's status webhooks. One row per name and language.
/// </summary>
public sealed class MessageTemplate : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public required string WabaId { get; set; }

    /// <summary>Meta's id of this language of the template.</summary>
    public string? ExternalId { get; set; }
    public required string Name { get; set; }
    public required string Language { get; set; }
    public string Category { get; set; } = "utility";

    /// <summary>Meta's status, lower-case: approved (the only one that can be sent), pending, rejected, paused, disabled, …</summary>
    public string Status { get; set; } = TemplateStatuses.Approved;

    /// <summary>Meta's reason code for the status (INVALID_FORMAT, PROMOTIONAL, …), and what Meta explains of it.</summary>
    public string? StatusReason { get; set; }
    public string? StatusDetail { get; set; }

    /// <summary>When Meta set the status (a webhook's time, or the read that found it): an older read never undoes a newer webhook.</summary>
    public DateTimeOffset StatusAt { get; set; }

    /// <summary>Meta's definition: HEADER (format, text), BODY, FOOTER, BUTTONS — see TemplateDefinition.</summary>
    public string Components { get; set; } = "[]";

    /// <summary>POSITIONAL ({{1}}) or NAMED ({{first_name}}).</summary>
    public string? ParameterFormat { get; set; }

    /// <summary>The body's text, for lists and search.</summary>
    public string Body { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public static class TemplateStatuses
{
    public const string Approved = "approved";
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

/// <summary>
/// A media attachment of a message, served by the API: a customer's (announced by the webhook, fetched by Workers) or
/// an agent's upload (stored by the Api, uploaded to WhatsApp by Workers when its message is sent). An upload not sent
/// yet has no message nor channel: only <see cref="UploadedBy"/> may send or discard it.
/// </summary>
public sealed class MediaFile : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid? MessageId { get; set; }
    public Guid? ChannelId { get; set; }

    /// <summary>Meta's media id: a customer's file's from its webhook; an agent's once Workers uploaded it (null before).</summary>
    public string? WhatsAppMediaId { get; set; }

    /// <summary>The agent whose upload it is (null for a customer's file).</summary>
    public Guid? UploadedBy { get; set; }
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

    /// <summary>When the sweep sent a download left pending (a worker died) once more; a second time it fails.</summary>
    public DateTimeOffset? ResubmittedAt { get; set; }
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

    /// <summary>Reaches browsers: numbered into the tenant's stream (and the conversation's) by the database.</summary>
    public bool Streamed { get; set; }
    public Guid? ConversationId { get; set; }
    public long? Position { get; set; }
    public long? Sequence { get; set; }

    /// <summary>The W3C traceparent of the work that wrote it, when that was traced: the relay publishes in that trace.</summary>
    public string? TraceParent { get; set; }
}
