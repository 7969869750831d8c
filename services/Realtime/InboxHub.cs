using Inbox.Data;
using Inbox.Tenancy;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;

namespace Inbox.Realtime;

/// <summary>
/// /hubs/inbox. A connection joins its tenant and user groups from its token's claims; it joins a conversation
/// room only after the server has found that conversation in the caller's tenant. No method takes a tenant or a
/// group name from the client.
/// </summary>
[Authorize]
public sealed class InboxHub(InboxDbContext db, LocalConnections connections, RealtimeFanout fanout, PresenceBoard board,
    RealtimeSettings settings) : Hub
{
    public override async Task OnConnectedAsync()
    {
        var user = Context.User!;
        if (user.TenantId() is not { } tenantId || user.UserId() is not { } userId || user.SessionId() is not { } sessionId)
        {
            Context.Abort();
            return;
        }
        await Groups.AddToGroupAsync(Context.ConnectionId, RealtimeGroups.Tenant(tenantId));
        await Groups.AddToGroupAsync(Context.ConnectionId, RealtimeGroups.User(userId));
        connections.Add(new AgentConnection(Context, tenantId, userId, sessionId, user.FindFirst(InboxClaims.Name)?.Value ?? ""));
        fanout.StateChanged();
        await base.OnConnectedAsync();
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        if (connections.Remove(Context.ConnectionId) is { } connection)
        {
            foreach (var (conversationId, typing) in connection.Typing)
                fanout.Typing(connection, conversationId, typing.IsPrivate, typing: false);
            fanout.StateChanged();
        }
        await base.OnDisconnectedAsync(exception);
    }

    /// <summary>Opens a conversation: its room's events (ticks, reactions, agents' messages) reach this connection.</summary>
    public async Task JoinConversation(Guid conversationId)
    {
        // The query filter and row-level security both limit this to the caller's tenant.
        if (!await db.Conversations.AnyAsync(c => c.Id == conversationId, Context.ConnectionAborted))
            throw new HubException("Conversation not found.");
        await Groups.AddToGroupAsync(Context.ConnectionId, RealtimeGroups.Conversation(conversationId));
        if (Current().Joined.TryAdd(conversationId, true)) fanout.StateChanged();
    }

    public async Task LeaveConversation(Guid conversationId)
    {
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, RealtimeGroups.Conversation(conversationId));
        var connection = Current();
        StopTyping(conversationId);
        if (connection.Joined.TryRemove(conversationId, out _)) fanout.StateChanged();
    }

    /// <summary>
    /// Called as the agent types (any rate). The tenant's other agents hear typing:start at most once per throttle
    /// period; typing:stop follows an explicit stop, leaving, disconnecting, or a few seconds without a call.
    /// </summary>
    public void StartTyping(Guid conversationId, bool isPrivate)
    {
        var connection = Current();
        if (!connection.Joined.ContainsKey(conversationId)) throw new HubException("Join the conversation first.");
        var now = DateTimeOffset.UtcNow;
        var forward = !connection.Typing.TryGetValue(conversationId, out var typing)
                      || now - typing.Forwarded >= settings.TypingThrottle || typing.IsPrivate != isPrivate;
        connection.Typing[conversationId] = (forward ? now : typing.Forwarded, now, isPrivate);
        if (forward) fanout.Typing(connection, conversationId, isPrivate, typing: true);
    }

    public void StopTyping(Guid conversationId)
    {
        var connection = Current();
        if (connection.Typing.TryRemove(conversationId, out var typing))
            fanout.Typing(connection, conversationId, typing.IsPrivate, typing: false);
    }

    /// <summary>The agent's own choice: "online" or "away".</summary>
    public void SetPresence(string state)
    {
        if (state is not (PresenceStates.Online or PresenceStates.Away))
            throw new HubException("Presence is 'online' or 'away'.");
        var connection = Current();
        connection.State = state;
        connection.AwayByInactivity = false;
        fanout.StateChanged();
    }

    /// <summary>Sent by the client while its agent is active; keeps the inactivity timeout from marking them away.</summary>
    public void Heartbeat()
    {
        if (Current() is { AwayByInactivity: true } connection)
        {
            connection.State = PresenceStates.Online;
            connection.AwayByInactivity = false;
            fanout.StateChanged();
        }
    }

    /// <summary>Who of the caller's tenant is online or away right now (presence:update carries the changes).</summary>
    public IEnumerable<object> GetPresence() =>
        board.PresenceOf(Current().TenantId).Select(p => new { p.UserId, p.UserName, p.State });

    /// <summary>Who has this conversation open right now (viewing:update carries the changes).</summary>
    public IEnumerable<object> GetViewers(Guid conversationId) =>
        board.ViewersOf(Current().TenantId, conversationId).Select(v => new { v.UserId, v.UserName });

    private AgentConnection Current()
    {
        var connection = connections.Get(Context.ConnectionId) ?? throw new HubException("The connection is closing.");
        connection.LastActivity = DateTimeOffset.UtcNow;
        return connection;
    }
}
