namespace Inbox.Contracts;

/// <summary>A customer's WhatsApp message was stored. Published through the outbox after the webhook's commit.</summary>
public sealed record MessageReceived(
    Guid TenantId,
    Guid ChannelId,
    Guid ConversationId,
    Guid ContactId,
    Guid MessageId,
    string Wamid,
    string Type,
    string? Text,
    string? ContactName,
    string? ContactWaId,
    DateTimeOffset SentAt,
    DateTimeOffset ReceivedAt);
