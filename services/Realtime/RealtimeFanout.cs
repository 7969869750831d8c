using System.Threading.Channels;
using Inbox.Contracts;
using MassTransit;

namespace Inbox.Realtime;

/// <summary>
/// Carries this instance's signals to every instance (itself included) over the bus, off the hub's call path:
/// hub methods enqueue and return; a broker outage drops signals instead of blocking agents. Also the instance's
/// clock: the state heartbeat, typing that expired without a refresh, agents gone idle, instances gone silent.
/// </summary>
public sealed class RealtimeFanout(
    IBus bus, LocalConnections connections, PresenceBoard board, HubFanout fanout, RealtimeSettings settings,
    ILogger<RealtimeFanout> logger) : BackgroundService
{
    private readonly Channel<object> _signals = Channel.CreateBounded<object>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly SemaphoreSlim _stateChanged = new(0, 1);

    public void Typing(AgentConnection connection, Guid conversationId, bool isPrivate, bool typing) =>
        _signals.Writer.TryWrite(new AgentTyping(connection.TenantId, conversationId, connection.UserId, connection.UserName,
            isPrivate, typing, connection.Context.ConnectionId));

    /// <summary>Presence or viewers changed here: tell everyone soon (changes within a few ms travel together).</summary>
    public void StateChanged()
    {
        if (_stateChanged.CurrentCount == 0)
        {
            try { _stateChanged.Release(); }
            catch (SemaphoreFullException) { }
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(PublishSignalsAsync(stoppingToken), PublishStateAsync(stoppingToken), TickAsync(stoppingToken));

    private async Task PublishSignalsAsync(CancellationToken stoppingToken)
    {
        await foreach (var signal in _signals.Reader.ReadAllAsync(stoppingToken))
            await PublishAsync(signal, stoppingToken);
    }

    private async Task PublishStateAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await _stateChanged.WaitAsync(settings.Heartbeat, stoppingToken))
                    await Task.Delay(20, stoppingToken); // coalesce a burst of changes
                await PublishAsync(connections.Snapshot(settings.InstanceId), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task TickAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
        while (!stoppingToken.IsCancellationRequested)
        {
            try { await timer.WaitForNextTickAsync(stoppingToken); }
            catch (OperationCanceledException) { return; }
            var now = DateTimeOffset.UtcNow;
            foreach (var connection in connections.All)
            {
                foreach (var (conversationId, typing) in connection.Typing)
                {
                    if (now - typing.Refreshed > settings.TypingExpiry && connection.Typing.TryRemove(conversationId, out _))
                        Typing(connection, conversationId, typing.IsPrivate, typing: false);
                }
                if (connection.State == PresenceStates.Online && now - connection.LastActivity > settings.Inactivity)
                {
                    connection.State = PresenceStates.Away;
                    connection.AwayByInactivity = true;
                    StateChanged();
                }
            }
            PresenceBroadcast.Push(fanout, board.Expire(now, settings.InstanceTimeout));
        }
    }

    private async Task PublishAsync(object signal, CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            await bus.Publish(signal, signal.GetType(), timeout.Token);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Dropped a {Signal} signal: the bus is unavailable", signal.GetType().Name);
        }
    }

    public override void Dispose()
    {
        _stateChanged.Dispose();
        base.Dispose();
    }
}

/// <summary>Tells this instance's connections what changed on the presence board.</summary>
public static class PresenceBroadcast
{
    public static void Push(HubFanout fanout, PresenceBoard.Changes changes)
    {
        foreach (var (tenantId, userId, userName, state) in changes.Presence)
            fanout.Push(RealtimeGroups.Tenant(tenantId), HubEvents.PresenceUpdate, new { userId, userName, state });
        foreach (var (tenantId, conversationId, viewers) in changes.Viewing)
            fanout.Push(RealtimeGroups.Tenant(tenantId), HubEvents.ViewingUpdate, new
            {
                conversationId,
                viewers = viewers.Select(v => new { v.UserId, v.UserName }),
            });
    }
}
