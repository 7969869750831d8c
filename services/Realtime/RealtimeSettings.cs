namespace Inbox.Realtime;

/// <summary>
/// Realtime:InstanceId names this instance (and its queue of access-ending signals); <see cref="Deployment"/> names the
/// instances it works with; the rest tune typing, presence and limits
/// (Realtime:TypingThrottleSeconds, TypingExpirySeconds, HeartbeatSeconds, InstanceTimeoutSeconds,
/// InactivitySeconds, HubCallsPerSecond, CustomerTypingSeconds) and when <see cref="HubFanout"/> drops a connection that does not keep up
/// (Realtime:PushBacklogEvents, PushBacklogBytes, PushDeadlineSeconds).
/// </summary>
public sealed class RealtimeSettings
{
    public required string InstanceId { get; init; }

    /// <summary>
    /// The deployment this instance belongs to: its Redis channel prefix (see <see cref="RealtimeRedis.OptionsFrom"/>),
    /// which is what the instances that hear each other on Redis share. They share one stream queue on their RabbitMQ
    /// vhost; another deployment on the same vhost has a queue of its own (<see cref="RealtimeBus"/>).
    /// </summary>
    public required string Deployment { get; init; }
    public TimeSpan TypingThrottle { get; init; }
    public TimeSpan TypingExpiry { get; init; }
    public TimeSpan Heartbeat { get; init; }
    public TimeSpan InstanceTimeout { get; init; }
    public TimeSpan Inactivity { get; init; }

    /// <summary>Least time between two WhatsApp typing indicators to a conversation's customer (WhatsApp shows one 25 s).</summary>
    public TimeSpan CustomerTypingInterval { get; init; } = TimeSpan.FromSeconds(25);
    public double HubCallsPerSecond { get; init; }

    /// <summary>Events queued for one connection, beyond SignalR's and the socket's buffers, before it is dropped.</summary>
    public int PushBacklogEvents { get; init; } = 1000;

    /// <summary>Bytes queued for one connection (serialized, shared with the other connections) before it is dropped.</summary>
    public long PushBacklogBytes { get; init; } = 1024 * 1024;

    /// <summary>How long one write to a connection may stay pending before the connection is dropped.</summary>
    public TimeSpan PushDeadline { get; init; } = TimeSpan.FromSeconds(2);

    public static RealtimeSettings From(IConfiguration configuration)
    {
        TimeSpan Seconds(string key, double fallback) =>
            TimeSpan.FromSeconds(configuration.GetValue<double?>($"Realtime:{key}") ?? fallback);
        return new RealtimeSettings
        {
            InstanceId = configuration["Realtime:InstanceId"] ?? $"{Environment.MachineName}-{Guid.NewGuid():N}",
            Deployment = RealtimeRedis.OptionsFrom(configuration).ChannelPrefix.ToString(),
            TypingThrottle = Seconds("TypingThrottleSeconds", 2),
            TypingExpiry = Seconds("TypingExpirySeconds", 6),
            Heartbeat = Seconds("HeartbeatSeconds", 5),
            InstanceTimeout = Seconds("InstanceTimeoutSeconds", 20),
            Inactivity = Seconds("InactivitySeconds", 300),
            CustomerTypingInterval = Seconds("CustomerTypingSeconds", 25),
            HubCallsPerSecond = configuration.GetValue<double?>("Realtime:HubCallsPerSecond") ?? 10,
            PushBacklogEvents = configuration.GetValue<int?>("Realtime:PushBacklogEvents") ?? 1000,
            PushBacklogBytes = configuration.GetValue<long?>("Realtime:PushBacklogBytes") ?? 1024 * 1024,
            PushDeadline = Seconds("PushDeadlineSeconds", 2),
        };
    }
}
