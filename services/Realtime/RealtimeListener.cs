using Inbox.Contracts;
using Inbox.Tenancy;
using MassTransit;
using Microsoft.AspNetCore.SignalR;

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
/// Pushes a tenant's stream events to their SignalR audiences, in position order. Delivery is at least once, so an
/// event already pushed (same tenant and position) is dropped; a batch or event naming another tenant than its bus
/// header is dropped too.
/// </summary>
public sealed class TenantStreamConsumer(IHubContext<InboxHub> hub, TenantContext tenant, RecentEvents recent,
    ILogger<TenantStreamConsumer> logger) : IConsumer<TenantStreamBatch>
{
    public async Task Consume(ConsumeContext<TenantStreamBatch> context)
    {
        var tenantId = context.Message.TenantId;
        if (tenant.TenantId != tenantId)
        {
            logger.LogWarning("Dropped a stream batch: its tenant does not match its bus header");
            return;
        }
        foreach (var (messageType, @event) in context.Message.Events)
        {
            if (!NamesTenant(@event, tenantId))
            {
                logger.LogWarning("Dropped {Event}: its tenant does not match its bus header", @event.Name);
                continue;
            }
            if (@event.ConversationId is not { } conversationId || !recent.FirstTime(tenantId, @event.Position)) continue;
            var group = RealtimeAudiences.GroupFor(messageType, tenantId, conversationId);
            await SlowClients.SendAsync(token => hub.Clients.Group(group).SendAsync(@event.Name, @event.Payload, token),
                context.CancellationToken);
        }
    }

    private static bool NamesTenant(StreamedEvent @event, Guid tenantId) =>
        @event.Payload.ValueKind == System.Text.Json.JsonValueKind.Object
        && @event.Payload.TryGetProperty("tenantId", out var named) && named.TryGetGuid(out var id) && id == tenantId;
}

/// <summary>
/// A client that stops reading fills its bounded buffer, and a send to it then waits. Every push therefore has a
/// deadline: when it passes, SignalR aborts the connections whose writes were still pending (the slow ones are
/// dropped; they reconnect and catch up), and the queue moves on for everyone else.
/// </summary>
public static class SlowClients
{
    public static readonly TimeSpan SendDeadline = TimeSpan.FromSeconds(2);

    public static async Task SendAsync(Func<CancellationToken, Task> send, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(SendDeadline);
        try
        {
            await send(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The pending writes were abandoned and their connections aborted; the others already have the event.
        }
    }
}
