using Inbox.Contracts;
using Inbox.Tenancy;
using MassTransit;

namespace Inbox.Realtime;

/// <summary>
/// The one place that decides who hears each event. List-level events go to the whole tenant (every agent's
/// inbox moves); message-level changes go to the conversation's room (the agents who have it open). An agent's own
/// message or note is message:new to the room (the list moves through the conversation:updated that comes with it).
/// </summary>
public static class RealtimeAudiences
{
    private static readonly Dictionary<string, bool> ToWholeTenant = new()
    {
        [typeof(MessageReceived).FullName!] = true,
        [typeof(ConversationUpdated).FullName!] = true,
        [typeof(MessageCreated).FullName!] = false,
        [typeof(MessageStatusChanged).FullName!] = false,
        [typeof(MessageUpdated).FullName!] = false,
    };

    public static string GroupFor(string messageType, Guid tenantId, Guid conversationId) =>
        ToWholeTenant.TryGetValue(messageType, out var wholeTenant)
            ? wholeTenant ? RealtimeGroups.Tenant(tenantId) : RealtimeGroups.Conversation(conversationId)
            : throw new ArgumentException($"No audience for {messageType}.");
}

/// <summary>
/// Sends a tenant's stream events to their SignalR audiences on every instance, in position order. Only one instance
/// consumes each batch (see <see cref="RealtimeBus"/>). Delivery is at least once, so an event already sent (same
/// tenant and position) is dropped; a batch or event naming another tenant than its bus header is dropped too. Sending
/// only hands the batch to Redis (<see cref="StreamChannel"/>), and each instance only queues it for each connection
/// (<see cref="HubFanout"/>), so no client holds up the batch, the next one or anyone else.
/// </summary>
public sealed class TenantStreamConsumer(StreamChannel stream, TenantContext tenant, RecentEvents recent,
    ILogger<TenantStreamConsumer> logger) : IConsumer<TenantStreamBatch>
{
    public Task Consume(ConsumeContext<TenantStreamBatch> context)
    {
        var tenantId = context.Message.TenantId;
        if (tenant.TenantId != tenantId)
        {
            logger.LogWarning("Dropped a stream batch: its tenant does not match its bus header");
            return Task.CompletedTask;
        }
        using var push = RealtimeTelemetry.StartPush(context.Message.Events.Count); // in the trace the batch came with
        var deliveries = new List<StreamChannel.Delivery>(context.Message.Events.Count);
        foreach (var (messageType, @event) in context.Message.Events)
        {
            if (!NamesTenant(@event, tenantId))
            {
                logger.LogWarning("Dropped {Event}: its tenant does not match its bus header", @event.Name);
                continue;
            }
            if (@event.ConversationId is not { } conversationId || !recent.FirstTime(tenantId, @event.Position)) continue;
            deliveries.Add(new(RealtimeAudiences.GroupFor(messageType, tenantId, conversationId), @event.Name, @event.Payload));
        }
        return stream.PublishAsync(deliveries);
    }

    private static bool NamesTenant(StreamedEvent @event, Guid tenantId) =>
        @event.Payload.ValueKind == System.Text.Json.JsonValueKind.Object
        && @event.Payload.TryGetProperty("tenantId", out var named) && named.TryGetGuid(out var id) && id == tenantId;
}
