using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace Inbox.Realtime;

/// <summary>One live connection on this instance and what it is doing.</summary>
public sealed class AgentConnection(HubCallerContext context, Guid tenantId, Guid userId, Guid sessionId, string userName)
{
    public HubCallerContext Context { get; } = context;
    public Guid TenantId { get; } = tenantId;
    public Guid UserId { get; } = userId;

    /// <summary>The login session of the token it connected with: when that session ends, so does the connection.</summary>
    public Guid SessionId { get; } = sessionId;
    public string UserName { get; } = userName;
    public string State { get; set; } = PresenceStates.Online;

    /// <summary>Since when <see cref="State"/> holds: away by inactivity counts from the last activity.</summary>
    public DateTimeOffset StateSince { get; set; } = DateTimeOffset.UtcNow;
    public bool AwayByInactivity { get; set; }

    /// <summary>The agent's last call to the hub that was something they did (reads that a client makes by itself are not).</summary>
    public DateTimeOffset LastActivity { get; set; } = DateTimeOffset.UtcNow;
    public ConcurrentDictionary<Guid, bool> Joined { get; } = new();

    /// <summary>Conversations this connection is typing in: when it last told others, and when it last refreshed.</summary>
    public ConcurrentDictionary<Guid, (DateTimeOffset Forwarded, DateTimeOffset Refreshed, bool IsPrivate)> Typing { get; } = new();
}

public static class PresenceStates
{
    public const string Online = "online";
    public const string Away = "away";
    public const string Offline = "offline";

    public static int Rank(string state) => state switch { Online => 2, Away => 1, _ => 0 };
}

/// <summary>The connections this instance holds (what other instances know of them is in <see cref="AgentPresence"/>).</summary>
public sealed class LocalConnections
{
    private readonly ConcurrentDictionary<string, AgentConnection> _connections = new();

    public void Add(AgentConnection connection)
    {
        if (_connections.TryAdd(connection.Context.ConnectionId, connection)) RealtimeTelemetry.Connected();
    }

    public AgentConnection? Get(string connectionId) => _connections.GetValueOrDefault(connectionId);

    public AgentConnection? Remove(string connectionId)
    {
        if (!_connections.TryRemove(connectionId, out var connection)) return null;
        RealtimeTelemetry.Disconnected();
        return connection;
    }

    public IEnumerable<AgentConnection> All => _connections.Values;

    public IEnumerable<AgentConnection> Of(Guid tenantId, Guid userId) =>
        _connections.Values.Where(c => c.TenantId == tenantId && c.UserId == userId);

    public IEnumerable<AgentConnection> OfSession(Guid tenantId, Guid sessionId) =>
        _connections.Values.Where(c => c.TenantId == tenantId && c.SessionId == sessionId);

    /// <summary>Closes these connections at once (the client reconnects, and is refused if it may no longer).</summary>
    public void Close(IEnumerable<AgentConnection> connections, string reason, ILogger logger)
    {
        foreach (var connection in connections.ToList())
        {
            logger.LogInformation("Closing connection {ConnectionId} of user {UserId}, session {SessionId}: {Reason}",
                connection.Context.ConnectionId, connection.UserId, connection.SessionId, reason);
            connection.Context.Abort();
        }
    }
}
