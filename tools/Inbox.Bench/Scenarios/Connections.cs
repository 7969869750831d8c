using System.Diagnostics;

namespace Inbox.Bench.Scenarios;

/// <summary>
/// 4. Connections: --connections authenticated agents (2,000 by default; 20,000 is the target, and needs the open-file
/// limit of both processes above it) connected and held. The Realtime process's resident memory (VmRSS, and RssAnon:
/// its private part) is read from /proc before and after, each time after a settle pause; the difference divided by
/// the connections held is the memory per connection. Reconciled: every connection is still open at the end.
/// </summary>
public static class Connections
{
    public const string Name = "4. connections";

    public static async Task<ScenarioResult> RunAsync(BenchTarget target, IReadOnlyList<BenchTenant> tenants, BenchOptions options, CancellationToken cancellationToken)
    {
        var count = options.Int("connections", 2000);
        var settle = TimeSpan.FromSeconds(options.Double("settle", 5));
        var result = new ScenarioResult(Name) { Parameters = { ["connections"] = count, ["tenants"] = tenants.Count, ["settle s"] = settle.TotalSeconds } };
        if (target.RealtimePid is not { } pid)
        {
            result.Notes.Add("Skipped: the Realtime process id is not known (./inbox bench passes --realtime-pid when it runs the stack).");
            return result;
        }
        await Task.Delay(settle, cancellationToken);
        var before = SystemStats.Memory(pid);
        var connecting = Stopwatch.GetTimestamp();
        await using var audience = await Audience.ConnectAsync(target with { OtherRealtimes = [] }, tenants, count, null, cancellationToken); // all on the process measured
        var connectTime = Stopwatch.GetElapsedTime(connecting);
        await Task.Delay(settle, cancellationToken);
        var after = SystemStats.Memory(pid);
        result.LoadAfter = SystemStats.LoadAverage();
        var held = audience.Clients.Count(c => c.IsOpen);

        var perConnectionRss = held == 0 ? 0 : (after.RssKb - before.RssKb) * 1024.0 / held / 1000;
        var perConnectionPrivate = held == 0 ? 0 : (after.PrivateKb - before.PrivateKb) * 1024.0 / held / 1000;
        result.Metric("connections held", held, "").Metric("connect rate", audience.Clients.Count / connectTime.TotalSeconds, "/s");
        result.Metric("Realtime RSS before", before.RssKb / 1024.0, "MiB").Metric("Realtime RSS after", after.RssKb / 1024.0, "MiB");
        result.Metric("RSS per connection", perConnectionRss, "KB").Metric("private per connection", perConnectionPrivate, "KB");
        var ids = Enumerable.Range(0, count).Select(i => $"connection{i}").ToList();
        result.Reconciliation = new Reconciliation
        {
            Acknowledged = ids,
            Persisted = ids,
            Clients = [([.. audience.Clients.Select((c, i) => (c, i)).Where(x => x.c.IsOpen).Select(x => $"connection{x.i}")], ids)],
        }.Check();
        if (audience.Failed > 0) result.Notes.Add($"{audience.Failed} connections failed to open.");
        result.Target("connections held", held, 20000, atLeast: true, "");
        result.Target("memory per connection", perConnectionRss, 100, atLeast: false, "KB");
        return result;
    }
}
