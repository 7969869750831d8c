using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Inbox.Realtime;

/// <summary>
/// SignalR's Redis backplane (the design's scale-out): a group send goes to Redis, and every instance writes it to the
/// members it holds. Two things are added around it.
/// <list type="bullet">
/// <item>The backplane is handed each connection's <see cref="HubFanout.QueuedConnection"/>, so what it delivers goes
/// through that connection's bounded queue (see <see cref="HubFanout"/>), and HubFanout keeps its own copy of the
/// local group membership for the two paths that do not go through Redis's group channels: stream events
/// (<see cref="StreamChannel"/>) and sends while Redis is down.</item>
/// <item>While Redis is down, a send reaches this instance's members only, and a connection made meanwhile (or whose
/// registration failed halfway) stays off the backplane instead of failing. When Redis comes back, every connection
/// here is dropped: each reconnects — registered again — and catches up what it missed from GET /api/events, while
/// presence is written again as they connect. A connection still off the backplane while Redis is up (a registration
/// that failed without Redis dropping) is dropped on the next heartbeat (<see cref="DropUnregistered"/>).</item>
/// </list>
/// Only group sends are used by Inbox; the library's other sends are left as they are.
/// </summary>
public sealed class BackplaneLifetimeManager : RedisHubLifetimeManager<InboxHub>
{
    private readonly HubFanout _fanout;
    private readonly RealtimeRedis _redis;
    private readonly ILogger<BackplaneLifetimeManager> _logger;

    public BackplaneLifetimeManager(HubFanout fanout, RealtimeRedis redis, ILogger<BackplaneLifetimeManager> logger,
        ILogger<RedisHubLifetimeManager<InboxHub>> libraryLogger, IOptions<RedisOptions> options, IHubProtocolResolver protocols,
        IOptions<HubOptions> hubOptions, IOptions<HubOptions<InboxHub>> inboxHubOptions)
        : base(libraryLogger, options, protocols, hubOptions, inboxHubOptions)
    {
        _fanout = fanout;
        _redis = redis;
        _logger = logger;
        redis.Connection.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType != ConnectionType.Subscription) return;
            _logger.LogWarning("Redis is back: dropping this instance's connections so they re-register and catch up");
            _fanout.Abort(_ => true, "Redis came back");
        };
    }

    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        var queued = _fanout.Connected(connection);
        queued.Backplane = _redis.IsConnected && await OnBackplaneAsync(queued, () => base.OnConnectedAsync(queued))
            ? BackplaneState.Registered : BackplaneState.Unregistered;
    }

    /// <summary>Drops the connections that are not on the backplane, once Redis is there again: they reconnect and register.</summary>
    public void DropUnregistered()
    {
        if (_redis.IsConnected) _fanout.Abort(c => c.Backplane == BackplaneState.Unregistered, "it is not on the backplane");
    }

    public override async Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        var queued = _fanout.Find(connection.ConnectionId);
        _fanout.Disconnected(connection.ConnectionId);
        if (queued is { Backplane: BackplaneState.Registered })
        {
            try { await base.OnDisconnectedAsync(queued); }
            catch (RedisException ex) { _logger.LogDebug(ex, "Redis is down: its subscriptions of {ConnectionId} go with the connection", connection.ConnectionId); }
        }
    }

    public override async Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        _fanout.Joined(connectionId, groupName);
        if (_fanout.Find(connectionId) is { Backplane: BackplaneState.Registered } queued
            && !await OnBackplaneAsync(queued, () => base.AddToGroupAsync(connectionId, groupName, cancellationToken)))
            queued.Backplane = BackplaneState.Unregistered;
    }

    public override async Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        _fanout.Left(connectionId, groupName);
        if (_fanout.Find(connectionId) is { Backplane: BackplaneState.Registered } queued
            && !await OnBackplaneAsync(queued, () => base.RemoveFromGroupAsync(connectionId, groupName, cancellationToken)))
            queued.Backplane = BackplaneState.Unregistered;
    }

    public override Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendAsync(() => base.SendGroupAsync(groupName, methodName, args, cancellationToken), groupName, methodName, args, null);

    public override Task SendGroupExceptAsync(string groupName, string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds,
        CancellationToken cancellationToken = default) =>
        SendAsync(() => base.SendGroupExceptAsync(groupName, methodName, args, excludedConnectionIds, cancellationToken),
            groupName, methodName, args, excludedConnectionIds);

    /// <summary>Through Redis to every instance; without Redis, to this instance's members only.</summary>
    private async Task SendAsync(Func<Task> throughRedis, string group, string methodName, object?[] args, IReadOnlyList<string>? except)
    {
        if (_redis.IsConnected)
        {
            try
            {
                await throughRedis();
                return;
            }
            catch (RedisException ex)
            {
                _logger.LogDebug(ex, "Redis is down: {Method} reaches this instance only", methodName);
            }
        }
        _fanout.Push(group, methodName, args, except);
    }

    /// <summary>
    /// A registration the library could not finish (Redis went away in between) would leave a group without its
    /// subscription: the connection is taken off the backplane altogether (false) and served by this instance only,
    /// until it is dropped to register afresh.
    /// </summary>
    private async Task<bool> OnBackplaneAsync(HubFanout.QueuedConnection connection, Func<Task> register)
    {
        try
        {
            await register();
            return true;
        }
        catch (RedisException ex)
        {
            _logger.LogWarning(ex, "Could not register {ConnectionId} with the backplane: this instance serves it alone for now", connection.ConnectionId);
            try { await base.OnDisconnectedAsync(connection); }
            catch (Exception) { } // undoes what the library had set up, as far as it got; the rest went with Redis
            return false;
        }
    }
}
