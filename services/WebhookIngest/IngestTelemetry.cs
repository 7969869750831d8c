using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Inbox.WebhookIngest;

/// <summary>
/// WebhookIngest's instruments (meter Inbox.WebhookIngest): every POSTed webhook counted once by its outcome, and
/// the time from its arrival to its answer. A stored webhook's outcome is its ledger outcome (routed,
/// unknown_number, items_rejected, …); a refused one's says why (signature_invalid, rate_limited, too_large,
/// not_json, overloaded, not_stored). And its span (source Inbox.WebhookIngest): the group commit that stores a
/// webhook runs apart from its request, so it gets a span in the webhook's trace, for its database calls to join.
/// </summary>
public static class IngestTelemetry
{
    public const string Name = "Inbox.WebhookIngest";

    private static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Webhooks = Meter.CreateCounter<long>(
        "inbox.webhooks.received", "{webhook}", "Webhooks POSTed, by outcome");

    private static readonly Histogram<double> Duration = Meter.CreateHistogram(
        "inbox.webhook.ingest.duration", "s", "From a webhook's arrival to its answer (after the commit when stored), by outcome",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });

    /// <summary>Counts the webhook that arrived at <paramref name="started"/> (a Stopwatch timestamp) and passes its answer on.</summary>
    public static IResult Answered(IResult answer, string outcome, long started)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome);
        Webhooks.Add(1, tag);
        Duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tag);
        return answer;
    }

    /// <summary>
    /// A span for one group commit: child of its first traced webhook, linked to the other traced ones (one
    /// transaction serves them all). Null when nothing listens or no webhook of the group is traced.
    /// </summary>
    public static Activity? StartCommit(IEnumerable<WebhookIngestor.Envelope> envelopes)
    {
        if (!Source.HasListeners()) return null;
        var traces = envelopes.Select(e => ActivityContext.TryParse(e.TraceParent, null, out var context) ? context : (ActivityContext?)null)
            .OfType<ActivityContext>().ToList();
        if (traces.Count == 0) return null;
        return Source.StartActivity("ingest commit", ActivityKind.Internal, traces[0],
            links: traces.Skip(1).Select(t => new ActivityLink(t)));
    }
}
