using System.Diagnostics;

namespace Inbox.Bench.Scenarios;

/// <summary>
/// 2. End to end: --agents connected agents (1,000) spread over the bench tenants while customer messages arrive at
/// --e2e-rate per second (200) for --e2e-duration (30 s). Every agent of a tenant should see each of its messages
/// (message:new goes to the whole tenant): webhook → client latency (from when the webhook was due), and delivered
/// versus expected per client. With more Realtime instances (--realtime-instances) the agents are spread over them, so
/// a complete delivery proves the backplane; with their pids, Realtime's CPU per stored message (all instances, from
/// the first webhook until every agent is complete).
/// </summary>
public static class EndToEnd
{
    public const string Name = "2. end to end";

    public static async Task<ScenarioResult> RunAsync(BenchTarget target, IReadOnlyList<BenchTenant> tenants, BenchOptions options, bool alone, CancellationToken cancellationToken)
    {
        var agents = options.Int("agents", 1000);
        var rate = options.Double(alone ? ["e2e-rate", "rate"] : ["e2e-rate"], 200);
        var duration = TimeSpan.FromSeconds(options.Double(alone ? ["e2e-duration", "duration"] : ["e2e-duration"], 30));
        var warmup = SteadyIngest.Warmup(options, alone ? ["e2e-warmup", "warmup"] : ["e2e-warmup"], duration);
        var result = new ScenarioResult(Name)
        {
            Parameters = { ["agents"] = agents, ["tenants"] = tenants.Count, ["rate/s"] = rate, ["duration s"] = duration.TotalSeconds, ["warm-up s"] = warmup.TotalSeconds,
                ["realtime instances"] = target.RealtimeInstances.Count },
        };
        await using var database = target.OpenDatabase(4);
        using var load = new WebhookLoad(target);
        var connecting = Stopwatch.GetTimestamp();
        await using var audience = await Audience.ConnectAsync(target, tenants, agents, load, cancellationToken);
        result.Metric("agents connected", audience.Clients.Count, "").Metric("connect time", Stopwatch.GetElapsedTime(connecting).TotalSeconds, "s");

        var realtimeCpu = SystemStats.CpuSeconds(target.RealtimePids);
        var took = await load.RunOpenLoopAsync(tenants, rate, duration, cancellationToken, warmup);
        var persisted = await LoadCheck.PersistedAsync(database, tenants, load, cancellationToken);
        await audience.WaitForAsync(LoadCheck.ExpectedByTenant(persisted), TimeSpan.FromSeconds(15));
        realtimeCpu = SystemStats.CpuSeconds(target.RealtimePids) - realtimeCpu;
        result.LoadAfter = SystemStats.LoadAverage();

        var reconciliation = LoadCheck.Reconcile(load, persisted, audience);
        var delivery = audience.Delivery.Summarize();
        result.Metric("acknowledged", load.MeasuredAcknowledged / took.TotalSeconds, "acks/s").Metric("non-2xx answers", load.NotAcknowledged, "");
        result.Latency("webhook → agent", delivery);
        result.Metric("deliveries/s", delivery.Count / took.TotalSeconds, "");
        var stored = persisted.Values.Sum(ids => ids.Count);
        if (target.RealtimePids.Count > 0 && stored > 0) result.Metric("Realtime CPU per message", 1000 * realtimeCpu / stored, "ms");
        SteadyIngest.Generator(result, load);
        var perClient = reconciliation.Clients.Select(c => c.Expected.Count == 0 ? 1.0 : (double)c.Received.Distinct().Count(c.Expected.Contains) / c.Expected.Count).ToList();
        if (perClient.Count > 0)
            result.Metric("delivered/expected, worst client", 100 * perClient.Min(), "%").Metric("delivered/expected, mean", 100 * perClient.Average(), "%");
        result.Reconciliation = reconciliation.Check();
        if (audience.Failed > 0) result.Notes.Add($"{audience.Failed} agents could not connect.");
        result.Target("webhook → agent p99", delivery.P99, 250, atLeast: false, "ms");
        result.Target("agents connected", audience.Clients.Count, 1000, atLeast: true, "");
        result.Target("messages/s delivered", load.MeasuredAcknowledged / took.TotalSeconds, 200, atLeast: true, "/s");
        return result;
    }
}
