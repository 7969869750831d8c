using Inbox.Data;
using Inbox.Tenancy;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;

namespace Inbox.Realtime;

/// <summary>
/// /hubs/inbox. A connection joins its tenant and user groups from its token's claims; it joins a conversation
/// group only after the server has found that conversation in the caller's tenant.
/// </summary>
[Authorize]
public sealed class InboxHub(InboxDbContext db) : Hub
{
    public override async Task OnConnectedAsync()
    {
        var user = Context.User!;
        if (user.TenantId() is not { } tenantId || user.UserId() is not { } userId)
        {
            Context.Abort();
            return;
        }
        await Groups.AddToGroupAsync(Context.ConnectionId, RealtimeGroups.Tenant(tenantId));
        await Groups.AddToGroupAsync(Context.ConnectionId, RealtimeGroups.User(userId));
        await base.OnConnectedAsync();
    }

    public async Task JoinConversation(Guid conversationId)
    {
        // The query filter and row-level security both limit this to the caller's tenant.
        if (!await db.Conversations.AnyAsync(c => c.Id == conversationId, Context.ConnectionAborted))
            throw new HubException("Conversation not found.");
        await Groups.AddToGroupAsync(Context.ConnectionId, RealtimeGroups.Conversation(conversationId));
    }

    public Task LeaveConversation(Guid conversationId) =>
        Groups.RemoveFromGroupAsync(Context.ConnectionId, RealtimeGroups.Conversation(conversationId));
}
