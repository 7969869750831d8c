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
public sealed class InboxHub(InboxDbContext db, LocalConnections connections, AgentPresence presence, AgentSignals signals,
    CustomerTypingIndicator customerTyping, RealtimeSettings settings, ILogger<InboxHub> logger) : Hub
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
        var connection = new AgentConnection(Context, tenantId, userId, sessionId, user.FindFirst(InboxClaims.Name)?.Value ?? "");
        connections.Add(connection);
        await SharedAsync(async () => await signals.PresenceAsync(tenantId, userId, connection.UserName, await presence.RegisterAsync(connection)));
        await base.OnConnectedAsync();
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        if (connections.Remove(Context.ConnectionId) is { } connection)
        {
            var forgotten = await SharedAsync(async () =>
            {
                if (await presence.ForgetAsync(Context.ConnectionId) is { } gone) await signals.ForgottenAsync(gone);
            });
            if (!forgotten) // without Redis, this instance's clients still hear the typing stop
            {
                foreach (var (conversationId, typing) in connection.Typing)
                    await signals.TypingAsync(connection, conversationId, typing.IsPrivate, typing: false);
            }
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
        var connection = Current();
        if (connection.Joined.TryAdd(conversationId, true))
            await SharedAsync(async () => await signals.ViewersAsync(connection.TenantId, conversationId, await presence.SetViewingAsync(connection, conversationId, true)));
    }

    public async Task LeaveConversation(Guid conversationId)
    {
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, RealtimeGroups.Conversation(conversationId));
        var connection = Current();
        await StopTyping(conversationId);
        if (connection.Joined.TryRemove(conversationId, out _))
            await SharedAsync(async () => await signals.ViewersAsync(connection.TenantId, conversationId, await presence.SetViewingAsync(connection, conversationId, false)));
    }

    /// <summary>
    /// Called as the agent types (any rate). The tenant's other agents hear typing:start at most once per throttle
    /// period; typing:stop follows an explicit stop, leaving, disconnecting, or a few seconds without a call. A reply
    /// (not a note) may also show the customer "typing…": see <see cref="CustomerTypingIndicator"/>.
    /// </summary>
    public async Task StartTyping(Guid conversationId, bool isPrivate)
    {
        var connection = Current();
        if (!connection.Joined.ContainsKey(conversationId)) throw new HubException("Join the conversation first.");
        var now = DateTimeOffset.UtcNow;
        var forward = !connection.Typing.TryGetValue(conversationId, out var typing)
                      || now - typing.Forwarded >= settings.TypingThrottle || typing.IsPrivate != isPrivate;
        connection.Typing[conversationId] = (forward ? now : typing.Forwarded, now, isPrivate);
        if (!forward) return;
        await signals.TypingAsync(connection, conversationId, isPrivate, typing: true);
        await SharedAsync(() => presence.SetTypingAsync(connection, conversationId, isPrivate));
        if (!isPrivate) await customerTyping.AgentTypingAsync(db, connection.TenantId, conversationId, Context.ConnectionAborted);
    }

    public async Task StopTyping(Guid conversationId)
    {
        var connection = Current();
        if (!connection.Typing.TryRemove(conversationId, out var typing)) return;
        await signals.TypingAsync(connection, conversationId, typing.IsPrivate, typing: false);
        await SharedAsync(() => presence.SetTypingAsync(connection, conversationId, null));
    }

    /// <summary>The agent's own choice: "online" or "away".</summary>
    public async Task SetPresence(string state)
    {
        if (state is not (PresenceStates.Online or PresenceStates.Away))
            throw new HubException("Presence is 'online' or 'away'.");
        var connection = Current();
        connection.State = state;
        connection.StateSince = DateTimeOffset.UtcNow;
        connection.AwayByInactivity = false;
        await StateChangedAsync(connection);
    }

    /// <summary>Sent by the client while its agent is active; keeps the inactivity timeout from marking them away.</summary>
    public async Task Heartbeat()
    {
        if (Current() is { AwayByInactivity: true } connection)
        {
            connection.State = PresenceStates.Online;
            connection.StateSince = DateTimeOffset.UtcNow;
            connection.AwayByInactivity = false;
            await StateChangedAsync(connection);
        }
    }

    /// <summary>
    /// Sent by the client after it (re)connected — a new connection starts active — when its agent has done nothing for
    /// <paramref name="seconds"/>: the inactivity timeout counts from then, so an idle agent whose connection was
    /// renewed (a new access token, a network blip) stays away, idle since the same time.
    /// </summary>
    public Task Idle(int seconds)
    {
        if (seconds is < 0 or > MaxIdleSeconds) throw new HubException($"Idle is 0 to {MaxIdleSeconds} seconds.");
        var connection = Current(activity: false);
        var lastActive = DateTimeOffset.UtcNow.AddSeconds(-seconds);
        if (lastActive < connection.LastActivity) connection.LastActivity = lastActive; // the clock marks it away if due
        return Task.CompletedTask;
    }

    private const int MaxIdleSeconds = 7 * 24 * 3600;

    /// <summary>
    /// Who of the caller's tenant is online or away right now, and since when an away agent was last active
    /// (presence:update carries the changes); none while Redis is down.
    /// </summary>
    public async Task<IEnumerable<object>> GetPresence()
    {
        IReadOnlyList<AgentPresence.AgentState> agents = [];
        await SharedAsync(async () => agents = await presence.PresenceOfAsync(Current(activity: false).TenantId));
        return agents.Select(p => new { p.UserId, p.UserName, p.State, p.Since });
    }

    /// <summary>Who has this conversation open right now (viewing:update carries the changes); none while Redis is down.</summary>
    public async Task<IEnumerable<object>> GetViewers(Guid conversationId)
    {
        IReadOnlyList<AgentPresence.Viewer> viewers = [];
        await SharedAsync(async () => viewers = await presence.ViewersOfAsync(Current(activity: false).TenantId, conversationId));
        return viewers.Select(v => new { v.UserId, v.UserName });
    }

    private Task StateChangedAsync(AgentConnection connection) =>
        SharedAsync(async () => await signals.PresenceAsync(connection.TenantId, connection.UserId, connection.UserName, await presence.SetStateAsync(connection)));

    /// <summary>
    /// Presence, viewers and typing live in Redis: while it is down they are neither shared nor read (false), and the
    /// hub answers as if no one else were there — never an error, which would stop a client's resume.
    /// </summary>
    private async Task<bool> SharedAsync(Func<Task> change)
    {
        try
        {
            await change();
            return true;
        }
        catch (StackExchange.Redis.RedisException ex)
        {
            logger.LogDebug(ex, "Redis is down: presence of {ConnectionId} is not shared", Context.ConnectionId);
            return false;
        }
    }

    /// <summary>This connection; a call the agent made (<paramref name="activity"/>) keeps them from going away.</summary>
    private AgentConnection Current(bool activity = true)
    {
        var connection = connections.Get(Context.ConnectionId) ?? throw new HubException("The connection is closing.");
        if (activity) connection.LastActivity = DateTimeOffset.UtcNow;
        return connection;
    }
}
