using System.Diagnostics;
using System.Globalization;

namespace Inbox.Bench.Scenarios;

/// <summary>
/// 1. Signed one-message webhooks at a constant arrival rate (open loop) for a duration: acks per second, ack
/// latency, non-2xx answers. One agent per tenant listens, so every acknowledged message is also checked as delivered.
/// Options: --rate (1,000/s), --duration (30 s), --warmup (3 s, none for runs under 10 s), --tenants (10).
/// </summary>
public static class SteadyIngest
{
    public const string Name = "1. steady ingest";

    public static async Task<ScenarioResult> RunAsync(BenchTarget target, IReadOnlyList<BenchTenant> tenants, BenchOptions options, CancellationToken cancellationToken)
    {
        var rate = options.Double("rate", 1000);
        var duration = TimeSpan.FromSeconds(options.Double("duration", 30));
        var warmup = Warmup(options, ["warmup"], duration);
        var result = new ScenarioResult(Name)
        {
            Parameters = { ["rate/s"] = rate, ["duration s"] = duration.TotalSeconds, ["warm-up s"] = warmup.TotalSeconds, ["tenants"] = tenants.Count },
        };
        await using var database = target.OpenDatabase(4);
        using var load = new WebhookLoad(target);
        await using var audience = await Audience.ConnectAsync(target, tenants, tenants.Count, load, cancellationToken);

        var measured = await load.RunOpenLoopAsync(tenants, rate, duration, cancellationToken, warmup);
        result.LoadAfter = SystemStats.LoadAverage();

        var persisted = await LoadCheck.PersistedAsync(database, tenants, load, cancellationToken);
        await audience.WaitForAsync(LoadCheck.ExpectedByTenant(persisted), TimeSpan.FromSeconds(15));
        var ack = load.AckLatency.Summarize();
        var acksPerSecond = load.MeasuredAcknowledged / measured.TotalSeconds;
        result.Metric("offered", rate, "webhooks/s").Metric("acknowledged", acksPerSecond, "acks/s");
        result.Latency("ack latency", ack);
        result.Metric("non-2xx answers", load.NotAcknowledged, "");
        Generator(result, load);
        foreach (var (status, count) in load.Statuses.Where(s => s.Key is < 200 or > 299).OrderBy(s => s.Key))
            result.Notes.Add($"HTTP {(status == 0 ? "no answer" : status.ToString(CultureInfo.InvariantCulture))}: {count}");
        result.Reconciliation = LoadCheck.Reconcile(load, persisted, audience).Check();
        if (audience.Failed > 0) result.Notes.Add($"{audience.Failed} of {tenants.Count} listening agents could not connect.");
        result.Target("webhooks/s sustained", acksPerSecond, 1000, atLeast: true, "/s");
        result.Target("ack p99", ack.P99, 50, atLeast: false, "ms");
        return result;
    }

    /// <summary>--warmup seconds sent before the measured window (reconciled, not in the figures): 3 by default, none for runs under 10 s.</summary>
    public static TimeSpan Warmup(BenchOptions options, string[] names, TimeSpan duration) =>
        TimeSpan.FromSeconds(options.Double(names, duration.TotalSeconds < 10 ? 0 : 3));

    /// <summary>What the load generator itself did: how late it sent, and its CPU; the ack timeline per second.</summary>
    public static void Generator(ScenarioResult result, WebhookLoad load)
    {
        var lag = load.SendLag.Summarize();
        var fromSend = load.AckFromSend.Summarize();
        result.Metric("generator send lag p99", lag.P99, "ms").Metric("generator send lag max", lag.Max, "ms");
        result.Metric("ack from send p50", fromSend.P50, "ms").Metric("ack from send p99", fromSend.P99, "ms");
        result.Metric("generator CPU (this process)", load.GeneratorCpuPercent, "% of a core");
        result.AckTimeline = load.Timeline();
        if (result.AckTimeline.Where(s => !s.Warmup).MaxBy(s => s.P99) is { } worst)
            result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"Slowest measured second: {worst.Second} s after the start, ack p99 {worst.P99} ms (per-second figures: ackTimeline in the JSON)."));
    }
}
