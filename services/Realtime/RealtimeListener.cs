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
    public static (string EventName, Guid TenantId, string Group) For(object @event) => @event switch
    {
        MessageReceived e => (HubEvents.MessageNew, e.TenantId, RealtimeGroups.Tenant(e.TenantId)),
        MessageCreated e => (HubEvents.MessageNew, e.TenantId, RealtimeGroups.Conversation(e.ConversationId)),
        ConversationUpdated e => (HubEvents.ConversationUpdated, e.TenantId, RealtimeGroups.Tenant(e.TenantId)),
        MessageStatusChanged e => (HubEvents.MessageStatus, e.TenantId, RealtimeGroups.Conversation(e.ConversationId)),
        MessageUpdated e => (HubEvents.MessageUpdated, e.TenantId, RealtimeGroups.Conversation(e.ConversationId)),
        _ => throw new ArgumentException($"No audience for {@event.GetType().Name}."),
    };
}

/// <summary>
/// Pushes one kind of bus event to its SignalR audience. Delivery is at least once, so a re-delivered event
/// (same message id) is dropped; an event whose body names another tenant than its bus header is dropped too.
/// </summary>
public sealed class HubPushConsumer<T>(IHubContext<InboxHub> hub, TenantContext tenant, RecentEvents recent, ILogger<HubPushConsumer<T>> logger)
    : IConsumer<T> where T : class
{
    public Task Consume(ConsumeContext<T> context)
    {
        var (eventName, tenantId, group) = RealtimeAudiences.For(context.Message);
        if (tenant.TenantId != tenantId)
        {
            logger.LogWarning("Dropped {Event}: its tenant does not match its bus header", typeof(T).Name);
            return Task.CompletedTask;
        }
        if (!recent.FirstTime(context.MessageId)) return Task.CompletedTask;
        return hub.Clients.Group(group).SendAsync(eventName, context.Message, context.CancellationToken);
    }
}
