namespace Inbox.Realtime;

/// <summary>
/// This instance's timers: typing that stopped without a word (no refresh for Realtime:TypingExpirySeconds), agents gone
/// idle (Realtime:InactivitySeconds → away), the heartbeat that keeps its connections alive in <see cref="AgentPresence"/>
/// (Realtime:HeartbeatSeconds; they expire after Realtime:InstanceTimeoutSeconds without one), and forgetting the
/// connections of instances that stopped beating; and the backplane's clean-up (<see cref="BackplaneLifetimeManager.DropUnregistered"/>).
/// While Redis is down only the local timers run.
/// </summary>
public sealed class PresenceClock(LocalConnections connections, AgentPresence presence, AgentSignals signals,
    BackplaneLifetimeManager backplane, RealtimeSettings settings, RealtimeRedis redis, ILogger<PresenceClock> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        var lastBeat = DateTimeOffset.MinValue;
        while (await Tick(timer, stoppingToken))
        {
            try
            {
                await ExpireTypingAndIdleAsync();
                if (!redis.IsConnected || DateTimeOffset.UtcNow - lastBeat < settings.Heartbeat) continue;
                lastBeat = DateTimeOffset.UtcNow;
                backplane.DropUnregistered();
                foreach (var forgotten in await presence.RefreshAsync(connections.All.ToList()))
                {
                    // Forgotten while alive (a late heartbeat, or Redis came back empty): written again, unless it just left.
                    if (connections.Get(forgotten.Context.ConnectionId) is null) continue;
                    await signals.PresenceAsync(forgotten.TenantId, forgotten.UserId, forgotten.UserName, await presence.RegisterAsync(forgotten));
                }
                foreach (var connectionId in await presence.ExpiredAsync())
                {
                    if (await presence.ForgetAsync(connectionId) is { } gone) await signals.ForgottenAsync(gone);
                }
            }
            catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
            {
                logger.LogDebug(ex, "Presence is not shared while Redis is down");
            }
        }
    }

    private static async Task<bool> Tick(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try { return await timer.WaitForNextTickAsync(stoppingToken); }
        catch (OperationCanceledException) { return false; }
    }

    private async Task ExpireTypingAndIdleAsync()
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var connection in connections.All)
        {
            foreach (var (conversationId, typing) in connection.Typing)
            {
                if (now - typing.Refreshed <= settings.TypingExpiry || !connection.Typing.TryRemove(conversationId, out _)) continue;
                await signals.TypingAsync(connection, conversationId, typing.IsPrivate, typing: false);
                await presence.SetTypingAsync(connection, conversationId, null);
            }
            if (connection.State == PresenceStates.Online && now - connection.LastActivity > settings.Inactivity)
            {
                connection.State = PresenceStates.Away;
                connection.StateSince = connection.LastActivity;
                connection.AwayByInactivity = true;
                await signals.PresenceAsync(connection.TenantId, connection.UserId, connection.UserName, await presence.SetStateAsync(connection));
            }
        }
    }
}
