namespace Inbox.Realtime;

/// <summary>
/// Realtime:InstanceId names this instance (and its queue); the rest tune typing, presence and limits
/// (Realtime:TypingThrottleSeconds, TypingExpirySeconds, HeartbeatSeconds, InstanceTimeoutSeconds,
/// InactivitySeconds, HubCallsPerSecond).
/// </summary>
public sealed class RealtimeSettings
{
    public required string InstanceId { get; init; }
    public TimeSpan TypingThrottle { get; init; }
    public TimeSpan TypingExpiry { get; init; }
    public TimeSpan Heartbeat { get; init; }
    public TimeSpan InstanceTimeout { get; init; }
    public TimeSpan Inactivity { get; init; }
    public double HubCallsPerSecond { get; init; }

    public static RealtimeSettings From(IConfiguration configuration)
    {
        TimeSpan Seconds(string key, double fallback) =>
            TimeSpan.FromSeconds(configuration.GetValue<double?>($"Realtime:{key}") ?? fallback);
        return new RealtimeSettings
        {
            InstanceId = configuration["Realtime:InstanceId"] ?? $"{Environment.MachineName}-{Guid.NewGuid():N}",
            TypingThrottle = Seconds("TypingThrottleSeconds", 2),
            TypingExpiry = Seconds("TypingExpirySeconds", 6),
            Heartbeat = Seconds("HeartbeatSeconds", 5),
            InstanceTimeout = Seconds("InstanceTimeoutSeconds", 20),
            Inactivity = Seconds("InactivitySeconds", 300),
            HubCallsPerSecond = configuration.GetValue<double?>("Realtime:HubCallsPerSecond") ?? 10,
        };
    }
}
