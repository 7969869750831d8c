using Inbox.Bench;
using Inbox.Bench.Scenarios;

// ./inbox bench [all|ingest|e2e|typing|connections|ceiling|slow-clients] [--option value …]: load against the running stack on
// 127.0.0.1, a table on the console, JSON and markdown under bench/results/. Exit 1 on any lost or duplicated id.
// ./inbox bench tokens --tenants N --listeners L --out FILE: session tokens of bench agents for the Node load
// generator (see Tokens.cs). ./inbox bench compare: Inbox against the seed-design Node peer under that generator
// (see Compare/CompareRun.cs; ./inbox prepares its copy of the peer folder).
var options = BenchOptions.Parse(args);
var target = BenchTarget.FromEnvironment(options);
if (options.Scenario == "tokens") return await Tokens.RunAsync(target, options, CancellationToken.None);
if (options.Scenario == "compare") return await Inbox.Bench.Compare.CompareRun.RunAsync(target, options, CancellationToken.None);
var scenarios = new (string Key, Func<IReadOnlyList<BenchTenant>, Task<ScenarioResult>> Run)[]
{
    ("ingest", tenants => SteadyIngest.RunAsync(target, tenants, options, CancellationToken.None)),
    ("e2e", tenants => EndToEnd.RunAsync(target, tenants, options, alone: options.Scenario == "e2e", CancellationToken.None)),
    ("typing", tenants => Typing.RunAsync(target, tenants, options, CancellationToken.None)),
    ("connections", tenants => Connections.RunAsync(target, tenants, options, CancellationToken.None)),
    ("ceiling", tenants => Ceiling.RunAsync(target, tenants, options, CancellationToken.None)),
    ("slow-clients", tenants => SlowClients.RunAsync(target, tenants, options, alone: options.Scenario == "slow-clients", CancellationToken.None)),
};
var chosen = options.Scenario == "all" ? scenarios : scenarios.Where(s => s.Key == options.Scenario).ToArray();
if (chosen.Length == 0)
{
    Console.Error.WriteLine($"Unknown scenario '{options.Scenario}'; one of: all, {string.Join(", ", scenarios.Select(s => s.Key))}.");
    return 2;
}

var startedAt = DateTimeOffset.UtcNow;
var tenantCount = options.Int("tenants", 10);
Console.Error.WriteLine($"[bench] preparing {tenantCount} bench tenants (load average {SystemStats.LoadAverage()})");
var prepared = await BenchTenants.PrepareAsync(target, tenantCount, BenchTenants.AgentsPerTenant, CancellationToken.None);
var results = new List<ScenarioResult>();
foreach (var (key, run) in chosen)
{
    Console.Error.WriteLine($"[bench] {key} (load average {SystemStats.LoadAverage()})");
    var result = await run(prepared);
    results.Add(result);
    Console.Write(ResultsWriter.Table([result]));
}

var directory = options.String("results") ?? Path.Combine(Directory.GetCurrentDirectory(), "bench", "results");
var written = ResultsWriter.Write(directory, results, startedAt, Environment.GetEnvironmentVariable("INBOX_BENCH_COMMIT") ?? "unknown");
Console.Error.WriteLine($"[bench] results: {written} (and latest.json / latest.md)");
if (results.Any(r => !r.Ok))
{
    Console.Error.WriteLine("[bench] RECONCILIATION FAILED: ids were lost or duplicated (see above).");
    return 1;
}
return 0;
