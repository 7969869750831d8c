using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Inbox.Data.Outbox;

/// <summary>
/// The outbox's part of a trace and its instruments. An event is published later, by the relay, so the trace it
/// belongs to travels in its row (<see cref="Entities.OutboxMessage.TraceParent"/>): the relay publishes it under a
/// span whose parent is that, and MassTransit carries the context on to the consumer. Nothing is stored or started
/// when nobody samples.
/// </summary>
public static class OutboxTelemetry
{
    public const string Name = "Inbox.Outbox";

    private static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);

    /// <summary>inbox.outbox.published: events the broker confirmed (its rate is the relay's publish rate).</summary>
    private static readonly Counter<long> Published = Meter.CreateCounter<long>(
        "inbox.outbox.published", "{event}", "Outbox events published to the broker");

    /// <summary>inbox.outbox.lag: from the row's insert to the broker's confirmation of its publish.</summary>
    private static readonly Histogram<double> Lag = Meter.CreateHistogram(
        "inbox.outbox.lag", "s", "Outbox event age when the broker confirmed its publish",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });

    /// <summary>The current activity's traceparent, only when it is recorded (someone samples it).</summary>
    public static string? CurrentTraceParent() => Activity.Current is { Recorded: true } activity ? activity.Id : null;

    /// <summary>Whether a row's publish gets a span: it came with a trace and someone listens.</summary>
    public static bool Traces(string? traceParent) => traceParent is not null && Source.HasListeners();

    /// <summary>A span for one publish, child of the trace that wrote the row (MassTransit's send span follows it).</summary>
    public static Activity? StartPublish(string traceParent) =>
        ActivityContext.TryParse(traceParent, null, out var parent)
            ? Source.StartActivity("outbox publish", ActivityKind.Internal, parent)
            : null;

    public static void RecordPublished(DateTimeOffset createdAt, DateTimeOffset now)
    {
        Published.Add(1);
        Lag.Record((now - createdAt).TotalSeconds);
    }
}
