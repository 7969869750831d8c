using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Inbox.Realtime;

/// <summary>
/// The one Redis connection of this instance (ConnectionStrings:Redis, StackExchange.Redis syntax), shared by the
/// SignalR backplane, the stream channel and presence. It never gives up: without Redis the instance starts and serves
/// its own connections, and it reconnects by itself when Redis returns. A call made while Redis is down fails at once
/// (FailFast) instead of waiting in a backlog: every caller has a local fallback or drops a moment of presence.
/// </summary>
public sealed class RealtimeRedis
{
    public RealtimeRedis(IConfiguration configuration, ILogger<RealtimeRedis> logger)
    {
        var options = OptionsFrom(configuration);
        KeyPrefix = $"{options.ChannelPrefix}:rt:";
        Connection = ConnectionMultiplexer.Connect(options);
        Connection.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription) logger.LogWarning(e.Exception, "Redis is unreachable: cross-instance delivery stops until it returns");
        };
    }

    /// <summary>
    /// ConnectionStrings:Redis as every instance reads it. Stacks sharing one Redis keep apart by its channel prefix
    /// ("inbox" when none is given): SignalR's channels and the stream channel carry it, and so do presence's keys.
    /// </summary>
    public static ConfigurationOptions OptionsFrom(IConfiguration configuration)
    {
        var options = ConfigurationOptions.Parse(configuration.GetConnectionString("Redis") ?? "127.0.0.1:6379");
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        if (options.ChannelPrefix.IsNullOrEmpty) options.ChannelPrefix = RedisChannel.Literal("inbox");
        return options;
    }

    public IConnectionMultiplexer Connection { get; }

    /// <summary>What every presence key starts with.</summary>
    public string KeyPrefix { get; }

    public bool IsConnected => Connection.IsConnected;

    public IDatabase Database => Connection.GetDatabase();
}

/// <summary>Redis unreachable is Degraded, not Unhealthy: this instance still serves its own connections.</summary>
public sealed class RedisHealthCheck(RealtimeRedis redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!redis.IsConnected) return HealthCheckResult.Degraded("Redis is unreachable: only this instance's connections are served.");
        try
        {
            var latency = await redis.Database.PingAsync();
            return HealthCheckResult.Healthy($"ping {latency.TotalMilliseconds:0.0} ms");
        }
        catch (RedisException ex)
        {
            return HealthCheckResult.Degraded("Redis does not answer.", ex);
        }
    }
}
