using System.Diagnostics;

namespace Inbox.Bench.Scenarios;

/// <summary>
/// 1. Signed one-message webhooks at a constant arrival rate (open loop) for a duration: acks per second, ack
/// latency, non-2xx answers. One agent per tenant listens, so every acknowledged message is also checked as delivered.
/// Options: --rate (1,000/s), --duration (30 s), --tenants (10).
/// </summary>
public static class SteadyIngest
{
    public const string Name = "1. steady ingest";

    public static async Task<ScenarioResult> RunAsync(BenchTarget target, IReadOnlyList<BenchTenant> tenants, BenchOptions options, CancellationToken cancellationToken)
    {
        var rate = options.Double("rate", 1000);
        var duration = TimeSpan.FromSeconds(options.Double("duration", 30));
        var result = new ScenarioResult(Name) { Parameters = { ["rate/s"] = rate, ["duration s"] = duration.TotalSeconds, ["tenants"] = tenants.Count } };
        await using var database = target.OpenDatabase(4);
        using var load = new WebhookLoad(target);
        await using var audience = await Audience.ConnectAsync(target, tenants, tenants.Count, load, cancellationToken);

        var start = Stopwatch.GetTimestamp();
        await load.RunOpenLoopAsync(tenants, rate, duration, cancellationToken);
        var took = Stopwatch.GetElapsedTime(start);
        result.LoadAfter = SystemStats.LoadAverage();

        var persisted = await LoadCheck.PersistedAsync(database, tenants, load, cancellationToken);
        await audience.WaitForAsync(LoadCheck.ExpectedByTenant(persisted), TimeSpan.FromSeconds(15));
        var ack = load.AckLatency.Summarize();
        result.Metric("offered", rate, "webhooks/s").Metric("acknowledged", load.AcknowledgedCount / took.TotalSeconds, "acks/s");
        result.Latency("ack latency", ack);
        result.Metric("non-2xx answers", load.NotAcknowledged, "");
        foreach (var (status, count) in load.Statuses.Where(s => s.Key is < 200 or > 299).OrderBy(s => s.Key))
            result.Notes.Add($"HTTP {(status == 0 ? "no answer" : status.ToString(System.Globalization.CultureInfo.InvariantCulture))}: {count}");
        result.Reconciliation = LoadCheck.Reconcile(load, persisted, audience).Check();
        result.Target("webhooks/s sustained", load.AcknowledgedCount / took.TotalSeconds, 1000, atLeast: true, "/s");
        result.Target("ack p99", ack.P99, 50, atLeast: false, "ms");
        return result;
    }
}
