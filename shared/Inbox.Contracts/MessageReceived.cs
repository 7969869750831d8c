namespace Inbox.Contracts;

/// <summary>A customer's WhatsApp message was stored. Published through the outbox after the webhook's commit.</summary>
public sealed record MessageReceived(
    Guid TenantId,
    Guid ConversationId,
    Guid ContactId,
    string? ContactName,
    string? ContactWaId,
    MessageSnapshot Message) : StreamEvent(TenantId, ConversationId);
