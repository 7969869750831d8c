using Inbox.Contracts;
using Inbox.Tenancy;
using MassTransit;
using Microsoft.AspNetCore.SignalR;

namespace Inbox.Realtime;

/// <summary>
/// message:new goes to the tenant group: every agent of the tenant sees the inbox move. Conversation groups
/// hold only members of that same tenant group, so sending to both would deliver twice.
/// </summary>
public sealed class MessageReceivedConsumer(IHubContext<InboxHub> hub, TenantContext tenant, RecentEvents recent)
    : IConsumer<MessageReceived>
{
    public Task Consume(ConsumeContext<MessageReceived> context)
    {
        var tenantId = tenant.RequiredTenantId; // from the bus header, set by TenantConsumeFilter
        if (context.Message.TenantId != tenantId || !recent.FirstTime(context.MessageId))
            return Task.CompletedTask;
        return hub.Clients.Group(RealtimeGroups.Tenant(tenantId))
            .SendAsync(HubEvents.MessageNew, context.Message, context.CancellationToken);
    }
}
