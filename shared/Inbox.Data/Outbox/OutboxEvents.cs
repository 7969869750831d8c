using System.Text.Json;
using Inbox.Contracts;
using Inbox.Data.Entities;
using Microsoft.EntityFrameworkCore;

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
        TraceParent = OutboxTelemetry.CurrentTraceParent(),
    };

    /// <summary>Contracts are defined once, in Inbox.Contracts; a row names one of them.</summary>
    public static Type ResolveType(string messageType) =>
        typeof(MessageReceived).Assembly.GetType(messageType, throwOnError: false)
        ?? throw new InvalidOperationException($"Unknown outbox message type '{messageType}'.");
}

public static class ConversationEvents
{
    /// <summary>
    /// Adds a conversation:updated event for each conversation, as it now stands in this unit of work (call after
    /// the change is saved, inside the same transaction, then save again): the list row every agent sees.
    /// </summary>
    public static async Task AddConversationUpdatesAsync(
        this InboxDbContext db, IReadOnlyCollection<Guid> conversationIds, CancellationToken cancellationToken)
    {
        var tenantId = db.CurrentTenantId ?? throw new InvalidOperationException("No tenant is set.");
        foreach (var snapshot in await Snapshots.ConversationsAsync(db, conversationIds, cancellationToken))
            db.Outbox.Add(OutboxEvents.Create(tenantId, new ConversationUpdated(tenantId, snapshot)));
    }
}
