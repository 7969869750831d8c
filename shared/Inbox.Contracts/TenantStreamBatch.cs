using System.Text.Json;

namespace Inbox.Contracts;

/// <summary>
/// One stream event as browsers get it, live or on catch-up (GET /api/events): its position in the tenant's stream,
/// its sequence in its conversation, its hub event name, and the event's JSON with position and sequence in it.
/// </summary>
public sealed record StreamedEvent(long Position, long? Sequence, Guid? ConversationId, string Name, JsonElement Payload);

/// <summary>
/// How stream events travel over the bus: the outbox relay publishes each tenant's newly numbered events as one
/// message, in position order, so they arrive in order without one broker round trip per event. Realtime pushes
/// them one by one to their rooms.
/// </summary>
public sealed record TenantStreamBatch(Guid TenantId, IReadOnlyList<TenantStreamBatch.Item> Events)
{
    /// <summary>An event with the name of its contract type (who hears it depends on the type, not only the name).</summary>
    public sealed record Item(string MessageType, StreamedEvent Event);
}
