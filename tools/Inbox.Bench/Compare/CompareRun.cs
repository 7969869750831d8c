using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;

namespace Inbox.Bench.Compare;

/// <summary>
/// `./inbox bench compare`: the seed-design Node peer and Inbox under the same Node load generator
/// (bench-peer/load), at the same rates, in one run on this machine, plus the PostgreSQL commit ceiling (pgbench of
/// the durable per-message transaction); a table of Inbox ÷ peer per scenario. ./inbox prepares the copy of the peer
/// folder (npm ci done), PostgreSQL's TCP password for `postgres` and the running stack; this runs the rest.
/// </summary>
public static class CompareRun
{
    private const string PeerAppSecret = "bench-app-secret";
    private const string PeerJwtSecret = "bench-jwt-secret";
    private static readonly TimeSpan TokenRefresh = TimeSpan.FromMinutes(10); // access tokens live 15 minutes

    public sealed record Scenario(string Key, string Title, string Series, int Tenants, int Listeners, double Rate);

    public sealed record Settings(
        string PeerDir, string ResultsDir, string LatestFile, double Duration, double Warmup, double StackWarmup, int ListenerWorkers,
        IReadOnlyList<Scenario> Scenarios, string CeilingClients, double CeilingDuration, bool SkipCeiling, bool KeepGoing,
        int PeerPort, string PeerDatabase, string CeilingDatabase, string InboxDatabase, IReadOnlyDictionary<int, string> InboxPids,
        string PgPassword, string Commit);

    public static async Task<int> RunAsync(BenchTarget target, BenchOptions options, CancellationToken cancellationToken)
    {
        Settings settings;
        try { settings = Parse(target, options); }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"compare: {ex.Message}");
            return 2;
        }
        Directory.CreateDirectory(settings.ResultsDir);
        var secrets = Directory.CreateTempSubdirectory("inbox-compare-tokens-").FullName; // session tokens stay out of the results
        var report = new CompareReport(settings, target);
        var peer = (Process?)null;
        try
        {
            Log($"results: {settings.ResultsDir}");
            Log($"scenarios: {string.Join("; ", settings.Scenarios.Select(s => s.Title))}; {settings.Warmup} s warm-up + {settings.Duration} s each, peer then Inbox");
            if (!settings.SkipCeiling) report.Ceiling = await CeilingAsync(settings, cancellationToken);

            var peerTenants = await SetupPeerDatabaseAsync(settings, settings.Scenarios.Max(s => s.Tenants), cancellationToken);
            peer = await StartPeerAsync(settings, cancellationToken);
            var agents = settings.Scenarios.Max(s => Math.Clamp((s.Listeners + s.Tenants - 1) / s.Tenants, 1, BenchTenants.AgentsPerTenant));
            var inboxTokens = new InboxTokens(target, secrets, settings.Scenarios.Max(s => s.Tenants), agents);

            // A freshly started .NET stack JIT-compiles its hot paths (tier 0, instrumented, tier 1) for a minute or two:
            // profiled at 200/s, WebhookIngest took 0.67 of a core 1.5 min after its start and 0.25 at 2.4 min. Both
            // sides get the same warm-up, shaped like the first scenario at 100/s, so the figures are of servers in
            // their steady state, as they run in production.
            var first = settings.Scenarios[0];
            Log($"warm-up: {Fmt(settings.StackWarmup)} s at 100/s to each side, {first.Tenants} tenants and {first.Listeners} listeners (not reported)");
            var warmup = first with { Key = "warmup", Title = "stack warm-up", Rate = 100 };
            var warmupSettings = settings with { Duration = settings.StackWarmup };
            await GeneratorAsync(warmupSettings, PeerArgs(warmupSettings, warmup, FirstTenants(peerTenants, first.Tenants), peer.Id),
                Path.Combine(secrets, "warmup-peer.json"), null, cancellationToken);
            var warmupTokens = await inboxTokens.FileAsync(first.Tenants, cancellationToken);
            await GeneratorAsync(warmupSettings, InboxArgs(warmupSettings, target, warmup, await inboxTokens.TenantsAsync(first.Tenants, cancellationToken), warmupTokens),
                Path.Combine(secrets, "warmup-inbox.json"), null, cancellationToken);

            var collapsed = new HashSet<(string Target, string Series)>();
            foreach (var scenario in settings.Scenarios)
            {
                foreach (var side in new[] { "peer", "inbox" })
                {
                    var run = new CompareReport.Run(scenario, side) { LoadBefore = SystemStats.LoadAverage() };
                    report.Runs.Add(run);
                    if (collapsed.Contains((side, scenario.Series)) && !settings.KeepGoing)
                    {
                        run.Skipped = "a lower rate of this series collapsed (--keep-going runs it anyway)";
                        Log($"{side} {scenario.Title}: skipped, {run.Skipped}");
                        continue;
                    }
                    var file = Path.Combine(settings.ResultsDir, $"{side}-{scenario.Key}.json");
                    List<string> args;
                    Dictionary<int, string> named;
                    if (side == "peer")
                    {
                        await SetupPeerDatabaseAsync(settings, settings.Scenarios.Max(s => s.Tenants), cancellationToken); // empty tables, as run-all.sh
                        await CheckpointAsync(settings, settings.PeerDatabase, cancellationToken);
                        args = PeerArgs(settings, scenario, FirstTenants(peerTenants, scenario.Tenants), peer.Id);
                        named = new() { [peer.Id] = "services" };
                    }
                    else
                    {
                        await CheckpointAsync(settings, settings.InboxDatabase, cancellationToken);
                        var tokens = await inboxTokens.FileAsync(scenario.Tenants, cancellationToken);
                        var tenants = await inboxTokens.TenantsAsync(scenario.Tenants, cancellationToken);
                        args = InboxArgs(settings, target, scenario, tenants, tokens);
                        named = settings.InboxPids.ToDictionary(p => p.Key, p => p.Value); // each service on its own: where the time goes
                    }
                    Log($"{side} {scenario.Title}: {settings.Warmup} s warm-up + {settings.Duration} s (load average {run.LoadBefore})");
                    await using (var cpu = new ProcessCpu(named, side == "peer" ? settings.PeerDatabase : settings.InboxDatabase, rabbitMq: side == "inbox"))
                    {
                        var outcome = await GeneratorAsync(settings, args, file, cpu, cancellationToken);
                        run.Exit = outcome.Exit;
                        run.StackCpu = outcome.StackCpu;
                        run.Summary = outcome.SummaryLine;
                    }
                    run.LoadAfter = SystemStats.LoadAverage();
                    if (File.Exists(file))
                    {
                        run.Result = JsonNode.Parse(await File.ReadAllTextAsync(file, cancellationToken));
                        if (run.Result?["send"]?["collapse"] is JsonObject) collapsed.Add((side, scenario.Series));
                    }
                    Log($"{side} {scenario.Title}: {run.Summary ?? $"generator exited {run.Exit}"}");
                }
            }
        }
        finally
        {
            if (peer is not null) await StopAsync(peer, "peer-node");
            Directory.Delete(secrets, recursive: true);
        }

        var markdown = report.Markdown();
        await File.WriteAllTextAsync(Path.Combine(settings.ResultsDir, "summary.md"), markdown, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(settings.ResultsDir, "compare.json"), report.Json(), cancellationToken);
        await File.WriteAllTextAsync(settings.LatestFile, markdown, cancellationToken);
        Console.Write(markdown);
        Log($"results: {Path.Combine(settings.ResultsDir, "summary.md")} (and {settings.LatestFile})");
        if (report.Runs.Any(r => r.Result is null && r.Skipped is null))
        {
            Log("some runs produced no result (see their .log files)");
            return 1;
        }
        if (report.Runs.Any(r => r.Side == "inbox" && r.LostOrDuplicated > 0))
        {
            Log("INBOX LOST OR DUPLICATED IDS (see the table)");
            return 1;
        }
        return 0;
    }

    private static Settings Parse(BenchTarget target, BenchOptions options)
    {
        var peerDir = options.String("peer-copy") ?? throw new ArgumentException("--peer-copy DIR (a writable copy of bench-peer with npm ci done) is required; run it as ./inbox bench compare");
        foreach (var file in new[] { "load/src/cli.js", "peer-node/src/server.js", "peer-node/scripts/setup-db.js", "ceiling/run.sh" })
            if (!File.Exists(Path.Combine(peerDir, file))) throw new ArgumentException($"{Path.Combine(peerDir, file)} is missing");
        var rates = Numbers(options.String("rates") ?? "200 400 1000");
        var oneTenantRates = Numbers(options.String("one-tenant-rates") ?? "200");
        var tenants = options.Int("tenants", 10);
        var listeners = options.Int("listeners", 100);
        var fanoutListeners = options.Int("fanout-listeners", 1000);
        var fanoutRate = options.Double("fanout-rate", 200);
        var oneTenantListeners = options.Int("one-tenant-listeners", 10);
        if (tenants is < 1 or > 10) throw new ArgumentException("--tenants must be 1 … 10 (bench-01 … bench-10)");
        var scenarios = new List<Scenario>();
        foreach (var rate in rates)
            scenarios.Add(new($"{tenants}x{listeners}-{Fmt(rate)}", $"{tenants} tenants × {listeners} listeners, {Fmt(rate)}/s", "main", tenants, listeners, rate));
        foreach (var rate in oneTenantRates)
            scenarios.Add(new($"1x{oneTenantListeners}-{Fmt(rate)}", $"1 tenant (one number) × {oneTenantListeners} listeners, {Fmt(rate)}/s", "one-tenant", 1, oneTenantListeners, rate));
        if (fanoutListeners > 0 && fanoutRate > 0)
            scenarios.Add(new($"{tenants}x{fanoutListeners}-{Fmt(fanoutRate)}", $"{tenants} tenants × {fanoutListeners} listeners, {Fmt(fanoutRate)}/s", "fanout", tenants, fanoutListeners, fanoutRate));
        if (scenarios.Count == 0) throw new ArgumentException("no scenario: give --rates, --one-tenant-rates or --fanout-listeners");
        var stamp = DateTimeOffset.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var resultsRoot = options.String("results") ?? Path.Combine(Directory.GetCurrentDirectory(), "bench", "results");
        var pids = (options.String("inbox-pids") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split(':')).Where(p => p.Length == 2 && int.TryParse(p[1], CultureInfo.InvariantCulture, out _))
            .ToDictionary(p => int.Parse(p[1], CultureInfo.InvariantCulture), p => p[0]);
        var database = new NpgsqlConnectionStringBuilder(target.ConnectionString).Database ?? "inbox";
        return new Settings(
            Path.GetFullPath(peerDir), Path.Combine(resultsRoot, $"compare-{stamp}"), Path.Combine(resultsRoot, "compare-latest.md"),
            options.Double("duration", 20), options.Double("warmup", 3), options.Double("stack-warmup", 90), options.Int("listener-workers", 1), scenarios,
            options.String("ceiling-clients") ?? "16", options.Double("ceiling-duration", 15), options.Has("skip-ceiling"), options.Has("keep-going"),
            options.Int("peer-port", target.Api.Port + 10), options.String("peer-db") ?? $"{database}_peer", options.String("ceiling-db") ?? $"{database}_ceiling",
            database, pids, Environment.GetEnvironmentVariable("INBOX_COMPARE_PG_PASSWORD") ?? throw new ArgumentException("INBOX_COMPARE_PG_PASSWORD (postgres's TCP password) is not set; run it as ./inbox bench compare"),
            Environment.GetEnvironmentVariable("INBOX_BENCH_COMMIT") ?? "unknown");
    }

    private static List<double> Numbers(string list) =>
        [.. list.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries).Select(n => double.Parse(n, CultureInfo.InvariantCulture))];

    public static string Fmt(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static int WebhookIngestPid(Settings settings) => settings.InboxPids.FirstOrDefault(p => p.Value == "WebhookIngest").Key;

    // ------------------------------------------------------------------ generator arguments

    private static List<string> Common(Settings settings, string tenants, double rate, int pid) =>
    [
        "--tenants", tenants, "--rate", Fmt(rate), "--listener-workers", settings.ListenerWorkers.ToString(CultureInfo.InvariantCulture),
        .. pid > 0 ? new[] { "--target-pid", pid.ToString(CultureInfo.InvariantCulture) } : [],
    ];

    /// <summary>The first <paramref name="count"/> of the peer's comma-separated bench tenants.</summary>
    private static string FirstTenants(string tenants, int count) => string.Join(",", tenants.Split(',').Take(count));

    private static string PeerUrl(Settings settings) => $"http://127.0.0.1:{settings.PeerPort}/webhooks/whatsapp";

    private static string InboxUrl(BenchTarget target) => new Uri(target.Ingest, "/webhooks/whatsapp").ToString();

    private static List<string> PeerArgs(Settings settings, Scenario scenario, string tenants, int pid) =>
    [
        "--target", PeerUrl(settings), "--secret", PeerAppSecret,
        "--duration", Fmt(settings.Duration), "--warmup-s", Fmt(settings.Warmup), .. Common(settings, tenants, scenario.Rate, pid),
        "--listeners", scenario.Listeners.ToString(CultureInfo.InvariantCulture), "--protocol", "socketio",
        "--jwt-secret", PeerJwtSecret, "--ready-event", "session:ready", "--event", "message:new",
        "--pg", $"postgres://postgres@127.0.0.1:5432/{settings.PeerDatabase}", "--label", $"peer-node {scenario.Title}",
    ];

    private static List<string> InboxArgs(Settings settings, BenchTarget target, Scenario scenario, string tenants, string tokensFile) =>
    [
        "--target", InboxUrl(target), "--secret", target.AppSecret,
        "--duration", Fmt(settings.Duration), "--warmup-s", Fmt(settings.Warmup), .. Common(settings, tenants, scenario.Rate, WebhookIngestPid(settings)),
        "--listeners", scenario.Listeners.ToString(CultureInfo.InvariantCulture), "--protocol", "signalr",
        "--listen-url", target.Realtime.ToString().TrimEnd('/'), "--hub-path", "/hubs/inbox", "--event", "message:new",
        "--tokens-file", tokensFile,
        // As the superuser: messages has FORCE row-level security, which superusers bypass, so one query sees every tenant.
        "--pg", $"postgres://postgres@127.0.0.1:5432/{settings.InboxDatabase}", "--pg-sql", "SELECT wamid FROM messages WHERE wamid LIKE $1",
        "--label", $"inbox {scenario.Title}",
    ];

    // ------------------------------------------------------------------ processes

    public sealed record Outcome(int Exit, string? SummaryLine, IReadOnlyDictionary<string, double>? StackCpu);

    /// <summary>
    /// Runs the Node generator with --out <paramref name="file"/>, its stderr in file.log. With a sampler, the stack's
    /// CPU over the generator's send phase: from its "sending …" line for send.send_seconds of its JSON.
    /// </summary>
    private static async Task<Outcome> GeneratorAsync(Settings settings, List<string> args, string file, ProcessCpu? cpu, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo("node") { WorkingDirectory = Path.Combine(settings.PeerDir, "load"), RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add("src/cli.js");
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("--out");
        psi.ArgumentList.Add(file);
        psi.Environment["PGPASSWORD"] = settings.PgPassword;
        using var log = new StreamWriter(Path.ChangeExtension(file, ".log"));
        long? sendingAt = null;
        string? summary = null;
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("node did not start");
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            if (sendingAt is null && e.Data.Contains("] sending ", StringComparison.Ordinal)) sendingAt = Stopwatch.GetTimestamp();
            lock (log) log.WriteLine(e.Data);
        };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            if (e.Data.Length > 0) summary = e.Data;
            lock (log) log.WriteLine(e.Data);
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        // The generator bounds itself (connect + warm-up + duration + drain + settle + 60 s); this is the backstop.
        var budget = TimeSpan.FromSeconds(30 + 1 + settings.Warmup + settings.Duration + 15 + 10 + 60 + 30);
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(budget);
            try { await process.WaitForExitAsync(timeout.Token); }
            catch (OperationCanceledException)
            {
                Log($"generator exceeded {budget.TotalSeconds:0} s: stopping it (pid {process.Id})");
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }
        process.WaitForExit(); // flushes the redirected streams
        IReadOnlyDictionary<string, double>? stack = null;
        if (cpu is not null && sendingAt is { } from && File.Exists(file))
        {
            var sendSeconds = JsonNode.Parse(await File.ReadAllTextAsync(file, cancellationToken))?["send"]?["send_seconds"]?.GetValue<double>() ?? 0;
            var start = from + (long)(0.02 * Stopwatch.Frequency); // t0 is 20 ms after the line
            stack = cpu.Between(start, start + (long)(sendSeconds * Stopwatch.Frequency));
        }
        return new Outcome(process.ExitCode, summary, stack);
    }

    private static async Task<string> SetupPeerDatabaseAsync(Settings settings, int tenants, CancellationToken cancellationToken)
    {
        var (exit, output) = await CaptureAsync("node", Path.Combine(settings.PeerDir, "peer-node"),
            ["scripts/setup-db.js", "--tenants", tenants.ToString(CultureInfo.InvariantCulture), "--reset"], PeerEnvironment(settings), cancellationToken);
        if (exit != 0) throw new InvalidOperationException($"peer-node/scripts/setup-db.js failed: {output}");
        return output.Trim().Split('\n')[^1].Trim();
    }

    private static Dictionary<string, string> PeerEnvironment(Settings settings) => new()
    {
        ["DATABASE_URL"] = $"postgres://postgres@127.0.0.1:5432/{settings.PeerDatabase}",
        ["PGPASSWORD"] = settings.PgPassword,
        ["PORT"] = settings.PeerPort.ToString(CultureInfo.InvariantCulture),
        ["HOST"] = "127.0.0.1",
        ["APP_SECRET"] = PeerAppSecret,
        ["JWT_SECRET"] = PeerJwtSecret,
    };

    private static async Task<Process> StartPeerAsync(Settings settings, CancellationToken cancellationToken)
    {
        using (var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(1) })
            if (await AnswersAsync(probe, settings.PeerPort, cancellationToken))
                throw new InvalidOperationException($"something already answers on 127.0.0.1:{settings.PeerPort}: stop it or pass --peer-port");
        var psi = new ProcessStartInfo("node") { WorkingDirectory = Path.Combine(settings.PeerDir, "peer-node"), RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("src/server.js");
        foreach (var (k, v) in PeerEnvironment(settings)) psi.Environment[k] = v;
        var process = Process.Start(psi) ?? throw new InvalidOperationException("node did not start");
        // Appended line by line (not held open): the peer's output may still arrive after StopAsync returns.
        var log = Path.Combine(settings.ResultsDir, "peer-node.log");
        var logLock = new Lock();
        void Append(string? line) { if (line is not null) lock (logLock) File.AppendAllText(log, line + "\n"); }
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        for (var i = 0; i < 50; i++)
        {
            if (await AnswersAsync(http, settings.PeerPort, cancellationToken))
            {
                Log($"peer-node runs on 127.0.0.1:{settings.PeerPort} (pid {process.Id}, database {settings.PeerDatabase})");
                return process;
            }
            if (process.HasExited) break;
            await Task.Delay(200, cancellationToken);
        }
        await StopAsync(process, "peer-node");
        throw new InvalidOperationException($"peer-node did not answer on 127.0.0.1:{settings.PeerPort}; see {Path.Combine(settings.ResultsDir, "peer-node.log")}");
    }

    private static async Task<bool> AnswersAsync(HttpClient http, int port, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/health"), cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM (the peer closes its sockets and pool), then SIGKILL after 5 s; only this process, by its pid.</summary>
    private static async Task StopAsync(Process process, string name)
    {
        if (process.HasExited) return;
        Log($"stopping {name} (pid {process.Id})");
        _ = Kill(process.Id, 15); // SIGTERM
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try { await process.WaitForExitAsync(wait.Token); }
        catch (OperationCanceledException) { process.Kill(); }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private static async Task<(int Exit, string Output)> CaptureAsync(string file, string directory, IEnumerable<string> args,
        IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static async Task CheckpointAsync(Settings settings, string database, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(SuperuserConnection(settings, database));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("checkpoint", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
        await Task.Delay(2000, cancellationToken); // as run-all.sh: let the flush settle
    }

    private static string SuperuserConnection(Settings settings, string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1", Port = 5432, Username = "postgres", Password = settings.PgPassword, Database = database, Pooling = false,
    }.ConnectionString;

    /// <summary>ceiling/run.sh of the copy: pgbench of the durable per-message transaction, pg_test_fsync, the fsync tail.</summary>
    private static async Task<JsonNode?> CeilingAsync(Settings settings, CancellationToken cancellationToken)
    {
        var file = Path.Combine(settings.ResultsDir, "ceiling.json");
        var before = SystemStats.LoadAverage();
        Log($"ceiling: pgbench with {settings.CeilingClients} client(s) × {Fmt(settings.CeilingDuration)} s (load average {before})");
        var (exit, output) = await CaptureAsync("bash", Path.Combine(settings.PeerDir, "ceiling"), ["run.sh"], new Dictionary<string, string>
        {
            ["CLIENTS"] = settings.CeilingClients, ["DURATION"] = Fmt(settings.CeilingDuration), ["FSYNC_SECS"] = "1", ["OUT"] = file,
            ["CEILING_DB"] = settings.CeilingDatabase, ["PGHOST"] = "127.0.0.1", ["PGPORT"] = "5432", ["PGUSER"] = "postgres",
            ["PGPASSWORD"] = settings.PgPassword,
        }, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(settings.ResultsDir, "ceiling.log"), output, cancellationToken);
        var after = SystemStats.LoadAverage();
        if (exit != 0 || !File.Exists(file))
        {
            Log($"ceiling failed (exit {exit}); see ceiling.log");
            return null;
        }
        var node = JsonNode.Parse(await File.ReadAllTextAsync(file, cancellationToken))!;
        node["load_average"] = new JsonObject { ["before"] = before, ["after"] = after };
        Log($"ceiling: {string.Join(", ", node["runs"]!.AsArray().Select(r => $"{r!["clients"]} clients {r["tps"]} tps"))} (load average {after})");
        return node;
    }

    public static void Log(string message) =>
        Console.Error.WriteLine($"[compare {DateTime.Now:HH:mm:ss}] {message}");

    /// <summary>Session tokens of bench agents for the generator, refreshed before they could expire.</summary>
    private sealed class InboxTokens(BenchTarget target, string directory, int tenants, int agents)
    {
        private IReadOnlyList<BenchTenant>? _prepared;
        private DateTimeOffset _at;

        public async Task<string> TenantsAsync(int count, CancellationToken cancellationToken) =>
            Tokens.TenantList((await PreparedAsync(cancellationToken)).Take(count));

        /// <summary>A tokens file for the first <paramref name="count"/> tenants: entry k is tenant k mod count, as Tokens writes it.</summary>
        public async Task<string> FileAsync(int count, CancellationToken cancellationToken)
        {
            var prepared = (await PreparedAsync(cancellationToken)).Take(count).ToList();
            var entries = new List<Dictionary<string, string>>();
            for (var a = 0; a < prepared[0].AgentTokens.Count; a++)
                foreach (var tenant in prepared)
                    entries.Add(new() { ["token"] = tenant.AgentTokens[a], ["phone_number_id"] = tenant.PhoneNumberId });
            var file = Path.Combine(directory, $"tokens-{count}.json");
            await File.WriteAllTextAsync(file, JsonSerializer.Serialize(entries), cancellationToken);
            return file;
        }

        private async Task<IReadOnlyList<BenchTenant>> PreparedAsync(CancellationToken cancellationToken)
        {
            if (_prepared is null || DateTimeOffset.UtcNow - _at > TokenRefresh)
            {
                Log($"inbox: bench tenants bench-01 … bench-{tenants:D2}, logging in {agents} agent(s) each (tokens live 15 min; renewed after 10)");
                _prepared = await BenchTenants.PrepareAsync(target, tenants, agents, cancellationToken);
                _at = DateTimeOffset.UtcNow;
            }
            return _prepared;
        }
    }
}
