namespace Inbox.Contracts;

/// <summary>
/// A customer's WhatsApp message was stored. Published through the outbox after the webhook's commit.
/// <see cref="ContactName"/> is the WhatsApp profile name the message came with (the conversation's contactName is
/// what the inbox calls the customer: an agent's name wins).
/// </summary>
public sealed record MessageReceived(
    Guid TenantId,
    Guid ConversationId,
    Guid ContactId,
    string? ContactName,
    string? ContactWaId,
    MessageSnapshot Message) : StreamEvent(TenantId, ConversationId);
