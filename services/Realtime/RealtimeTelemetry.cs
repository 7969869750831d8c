using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Inbox.Realtime;

/// <summary>
/// Realtime's instruments (meter Inbox.Realtime) and its span (source Inbox.Realtime): the agents' connections this
/// process holds, every event queued to a connection, and a "hub push" span per stream batch, inside the trace the
/// batch was published in (so a webhook's trace ends at the push to its agents).
/// </summary>
public static class RealtimeTelemetry
{
    public const string Name = "Inbox.Realtime";

    private static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);

    private static readonly UpDownCounter<long> Connections = Meter.CreateUpDownCounter<long>(
        "inbox.hub.connections", "{connection}", "Agents' hub connections held by this process");

    private static readonly Counter<long> Deliveries = Meter.CreateCounter<long>(
        "inbox.hub.deliveries", "{event}", "Events queued to a hub connection, by event name");

    public static void Connected() => Connections.Add(1);

    public static void Disconnected() => Connections.Add(-1);

    public static void Delivered(string eventName, int connections)
    {
        if (connections > 0) Deliveries.Add(connections, new KeyValuePair<string, object?>("event", eventName));
    }

    /// <summary>A span around pushing one batch to its audiences; null when nobody listens.</summary>
    public static Activity? StartPush(int events)
    {
        var activity = Source.StartActivity("hub push");
        activity?.SetTag("inbox.events", events);
        return activity;
    }
}
