using System.Text.Json;
using Inbox.Bench;
using Inbox.Bench.Scenarios;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration;

/// <summary>
/// The benchmark's machinery on short runs against the real stack: its id reconciliation catches a lost and a
/// duplicated id, its percentiles are right, every scenario runs clean, the results files are written, and the
/// end-to-end scenario spreads its listeners over two Realtime instances and reconciles clean across them.
/// Behaviour only: no timing is asserted.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class BenchTests(InboxStack stack)
{
    private BenchTarget Target() => new(stack.Api.BaseAddress, stack.Ingest.BaseAddress, stack.Realtime.BaseAddress,
        TestSettings.AppConnectionString, TestSettings.AppSecret,
        Environment.GetEnvironmentVariable("Secrets__Key") ?? throw new InvalidOperationException("Secrets__Key is not set"),
        Environment.ProcessId); // Realtime runs in this process here

    [Fact]
    public void Percentiles_are_nearest_rank()
    {
        var latencies = new Latencies();
        foreach (var ms in Enumerable.Range(1, 1000).Reverse()) latencies.Add(ms);
        var summary = latencies.Summarize();
        Assert.Equal((1000, 500.0, 950.0, 990.0, 999.0, 1000.0), (summary.Count, summary.P50, summary.P95, summary.P99, summary.P999, summary.Max));
        Assert.Equal(7.0, Latencies.Percentile([7.0], 99.9));
        Assert.Equal(0.0, new Latencies().Summarize().P99);
        Assert.Equal(2.0, Latencies.Percentile([1.0, 2.0, 3.0, 4.0], 50));
    }

    [Fact]
    public async Task A_short_ingest_reconciles_clean_and_a_lost_or_duplicated_id_fails_it()
    {
        var target = Target();
        var tenants = await BenchTenants.PrepareAsync(target, 2, 2, CancellationToken.None);
        await using var database = target.OpenDatabase(2);
        using var load = new WebhookLoad(target);
        await using var audience = await Audience.ConnectAsync(target, tenants, 4, load, CancellationToken.None);

        await load.RunOpenLoopAsync(tenants, rate: 20, TimeSpan.FromSeconds(1), CancellationToken.None);
        var persisted = await LoadCheck.PersistedAsync(database, tenants, load, CancellationToken.None);
        await audience.WaitForAsync(LoadCheck.ExpectedByTenant(persisted), TimeSpan.FromSeconds(15));

        var clean = LoadCheck.Reconcile(load, persisted, audience).Check();
        Assert.True(clean.Ok, clean.ToString());
        Assert.Equal((20, 20, 40L, 4), (clean.Acknowledged, clean.Persisted, clean.Delivered, clean.ClientsComplete));
        Assert.Equal(20, load.AckLatency.Count);

        // The same real sets, with one acknowledged id the database does not have and one id a client got twice.
        var honest = LoadCheck.Reconcile(load, persisted, audience);
        var lost = new Reconciliation
        {
            Acknowledged = [.. honest.Acknowledged, load.RunPrefix + "999999999"],
            Persisted = honest.Persisted,
            Clients = honest.Clients,
        }.Check();
        Assert.False(lost.Ok);
        Assert.Equal((1, 0, 0, 0), (lost.LostInStore, lost.DuplicatedInStore, lost.LostInDelivery, lost.DuplicatedInDelivery));
        Assert.Equal([load.RunPrefix + "999999999"], lost.LostSample);

        var (received, expected) = honest.Clients[0];
        var duplicated = new Reconciliation
        {
            Acknowledged = honest.Acknowledged,
            Persisted = honest.Persisted,
            Clients = [.. honest.Clients.Skip(1), ([.. received, received[0]], expected)],
        }.Check();
        Assert.False(duplicated.Ok);
        Assert.Equal((0, 0, 0, 1), (duplicated.LostInStore, duplicated.DuplicatedInStore, duplicated.LostInDelivery, duplicated.DuplicatedInDelivery));

        var undelivered = new Reconciliation
        {
            Acknowledged = honest.Acknowledged,
            Persisted = honest.Persisted,
            Clients = [.. honest.Clients.Skip(1), ([.. received.Skip(1)], expected)],
        }.Check();
        Assert.Equal((1, 3), (undelivered.LostInDelivery, undelivered.ClientsComplete));
    }

    [Fact]
    public async Task End_to_end_over_two_Realtime_instances_spreads_each_tenants_listeners_and_reconciles_clean()
    {
        await using var second = InboxStack.NewRealtime().Start();
        await InboxStack.WaitForBusAsync(second);
        var target = Target() with { OtherRealtimes = [second.BaseAddress] };
        var tenants = await BenchTenants.PrepareAsync(target, 2, 2, CancellationToken.None);

        await using (var audience = await Audience.ConnectAsync(target, tenants, 4, null, CancellationToken.None))
        {
            var placed = audience.Clients.Select(c => (Audience.Log)c.State!).ToList();
            foreach (var tenant in tenants) // one listener of each tenant on each instance
                Assert.Equal(2, placed.Where(log => log.Tenant.Index == tenant.Index).Select(log => log.Instance).Distinct().Count());
            Assert.Equal(2, placed.Count(log => log.Instance == second.BaseAddress));
        }

        var result = await EndToEnd.RunAsync(target, tenants, BenchOptions.Of(("agents", 4), ("e2e-rate", 10), ("e2e-duration", 1)),
            alone: false, CancellationToken.None);
        Assert.True(result.Ok, $"{result.Name}: {result.Reconciliation}");
        Assert.Equal(2, result.Parameters["realtime instances"]);
        Assert.Equal(20L, result.Reconciliation!.Delivered); // each of the 4 agents, 2 on each instance, gets its tenant's 5
        Assert.Equal(4, result.Reconciliation.ClientsComplete);
    }

    [Fact]
    public async Task Every_scenario_runs_clean_on_a_short_run_and_the_results_are_written()
    {
        var target = Target();
        var tenants = await BenchTenants.PrepareAsync(target, 2, 2, CancellationToken.None);
        var options = BenchOptions.Of(("rate", 20), ("duration", 1), ("agents", 4), ("e2e-rate", 10), ("e2e-duration", 1),
            ("pairs", 2), ("rounds", 2), ("connections", 10), ("settle", 0.2), ("workers", 2), ("ceiling-duration", 1));
        List<ScenarioResult> results =
        [
            await SteadyIngest.RunAsync(target, tenants, options, CancellationToken.None),
            await EndToEnd.RunAsync(target, tenants, options, alone: false, CancellationToken.None),
            await Typing.RunAsync(target, tenants, options, CancellationToken.None),
            await Connections.RunAsync(target, tenants, options, CancellationToken.None),
            await Ceiling.RunAsync(target, tenants, options, CancellationToken.None),
        ];
        foreach (var result in results)
        {
            Assert.True(result.Ok, $"{result.Name}: {result.Reconciliation}");
            Assert.NotNull(result.Reconciliation);
            Assert.NotEmpty(result.Targets);
        }
        Assert.Equal(20L, results[1].Reconciliation!.Delivered); // 10 messages over 2 tenants; each of the 4 agents gets its tenant's 5
        Assert.Equal(4, results[2].Reconciliation!.Acknowledged); // 2 pairs × 2 rounds of typing:start
        Assert.Equal(10, results[3].Reconciliation!.Delivered); // every connection still open

        var directory = Directory.CreateTempSubdirectory("inbox-bench-").FullName;
        try
        {
            var markdown = ResultsWriter.Write(directory, results, DateTimeOffset.UtcNow, "test");
            Assert.True(File.Exists(markdown));
            Assert.True(File.Exists(Path.ChangeExtension(markdown, ".json")));
            using var latest = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "latest.json")));
            Assert.True(latest.RootElement.GetProperty("ok").GetBoolean());
            Assert.Equal(5, latest.RootElement.GetProperty("scenarios").GetArrayLength());
            var text = File.ReadAllText(Path.Combine(directory, "latest.md"));
            Assert.Contains("| 1. steady ingest | ack p99 |", text);
            Assert.Contains("Reconciliation OK", text);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
