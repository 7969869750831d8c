using System.Text.Json;
using Inbox.Contracts;
using Inbox.Data.Entities;

namespace Inbox.Data.Outbox;

/// <summary>How an event becomes an outbox row and back: its contract type name and its JSON.</summary>
public static class OutboxEvents
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static OutboxMessage Create(Guid tenantId, object @event) => new()
    {
        TenantId = tenantId,
        MessageType = @event.GetType().FullName!,
        Payload = JsonSerializer.Serialize(@event, @event.GetType(), Json),
        CreatedAt = DateTimeOffset.UtcNow,
        Streamed = @event is StreamEvent,
        ConversationId = (@event as StreamEvent)?.ConversationId,
    };

    /// <summary>Contracts are defined once, in Inbox.Contracts; a row names one of them.</summary>
    public static Type ResolveType(string messageType) =>
        typeof(MessageReceived).Assembly.GetType(messageType, throwOnError: false)
        ?? throw new InvalidOperationException($"Unknown outbox message type '{messageType}'.");
}
