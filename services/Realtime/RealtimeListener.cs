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
    public static string GroupFor(StreamEvent @event) => @event switch
    {
        MessageReceived or ConversationUpdated => RealtimeGroups.Tenant(@event.TenantId),
        MessageCreated or MessageStatusChanged or MessageUpdated => RealtimeGroups.Conversation(@event.ConversationId),
        _ => throw new ArgumentException($"No audience for {@event.GetType().Name}."),
    };
}

/// <summary>
/// Pushes one kind of bus event to its SignalR audience. Delivery is at least once, so a re-delivered event
/// (same message id) is dropped; an event whose body names another tenant than its bus header is dropped too.
/// </summary>
public sealed class HubPushConsumer<T>(IHubContext<InboxHub> hub, TenantContext tenant, RecentEvents recent, ILogger<HubPushConsumer<T>> logger)
    : IConsumer<T> where T : StreamEvent
{
    public Task Consume(ConsumeContext<T> context)
    {
        if (tenant.TenantId != context.Message.TenantId)
        {
            logger.LogWarning("Dropped {Event}: its tenant does not match its bus header", typeof(T).Name);
            return Task.CompletedTask;
        }
        if (!recent.FirstTime(context.MessageId)) return Task.CompletedTask;
        return SlowClients.SendAsync(token => hub.Clients.Group(RealtimeAudiences.GroupFor(context.Message))
            .SendAsync(HubEvents.NameOf(typeof(T)), context.Message, token), context.CancellationToken);
    }
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
