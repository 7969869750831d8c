using Inbox.Contracts;
using Microsoft.AspNetCore.SignalR;

namespace Inbox.Realtime;

/// <summary>
/// typing:*, presence:update and viewing:update, sent to the tenant's group through the hub context: the backplane
/// takes them to the connections of every instance (see <see cref="BackplaneLifetimeManager"/>).
/// </summary>
public sealed class AgentSignals(IHubContext<InboxHub> hub)
{
    /// <summary>To the whole tenant (agents see "typing…" on the list's rows too), the typist's own connection excluded.</summary>
    public Task TypingAsync(Guid tenantId, string? typistConnectionId, Guid conversationId, Guid userId, string userName, bool isPrivate, bool typing) =>
        hub.Clients.GroupExcept(RealtimeGroups.Tenant(tenantId), typistConnectionId is null ? [] : [typistConnectionId])
            .SendAsync(typing ? HubEvents.TypingStart : HubEvents.TypingStop, new { conversationId, userId, userName, isPrivate });

    public Task TypingAsync(AgentConnection typist, Guid conversationId, bool isPrivate, bool typing) =>
        TypingAsync(typist.TenantId, typist.Context.ConnectionId, conversationId, typist.UserId, typist.UserName, isPrivate, typing);

    /// <summary>presence:update <c>{ userId, userName, state, since }</c>: since is when an away agent was last active (else null).</summary>
    public Task PresenceAsync(Guid tenantId, Guid userId, string userName, AgentPresence.PresenceChange? changedTo) =>
        changedTo is null ? Task.CompletedTask
            : hub.Clients.Group(RealtimeGroups.Tenant(tenantId))
                .SendAsync(HubEvents.PresenceUpdate, new { userId, userName, state = changedTo.State, since = changedTo.Since });

    public Task ViewersAsync(Guid tenantId, Guid conversationId, IReadOnlyList<AgentPresence.Viewer>? changedTo) =>
        changedTo is null ? Task.CompletedTask
            : hub.Clients.Group(RealtimeGroups.Tenant(tenantId)).SendAsync(HubEvents.ViewingUpdate, new { conversationId, viewers = changedTo });

    /// <summary>Everything a forgotten connection leaves behind: its typing stops, its viewing and presence change.</summary>
    public async Task ForgottenAsync(AgentPresence.Forgotten forgotten)
    {
        foreach (var (conversationId, isPrivate) in forgotten.Typing)
            await TypingAsync(forgotten.TenantId, null, conversationId, forgotten.UserId, forgotten.UserName, isPrivate, typing: false);
        foreach (var (conversationId, viewers) in forgotten.Viewing) await ViewersAsync(forgotten.TenantId, conversationId, viewers);
        await PresenceAsync(forgotten.TenantId, forgotten.UserId, forgotten.UserName, forgotten.PresenceChange);
    }
}
