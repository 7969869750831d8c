using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Inbox.Bench.Compare;

/// <summary>
/// The compare run's figures: per scenario peer, Inbox and Inbox ÷ peer; the ceiling; as markdown and JSON.
/// (Interpolations format in the invariant culture: the repository builds with InvariantGlobalization.)
/// </summary>
public sealed class CompareReport(CompareRun.Settings settings, BenchTarget target)
{
    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow;
    private readonly string _loadAtStart = SystemStats.LoadAverage();

    public JsonNode? Ceiling { get; set; }
    public List<Run> Runs { get; } = [];

    /// <summary>One generator run against one side (peer or inbox) and what it measured.</summary>
    public sealed class Run(CompareRun.Scenario scenario, string side)
    {
        public CompareRun.Scenario Scenario { get; } = scenario;
        public string Side { get; } = side;
        public string LoadBefore { get; set; } = "";
        public string LoadAfter { get; set; } = "";
        public int? Exit { get; set; }
        public string? Skipped { get; set; }
        public string? Summary { get; set; }
        /// <summary>CPU seconds of the stack's processes over the send phase, by group (services, postgres, rabbitmq).</summary>
        public IReadOnlyDictionary<string, double>? StackCpu { get; set; }
        public JsonNode? Result { get; set; }

        public double? Achieved => Num(Result?["send"]?["achieved_rate"]);
        public bool Clean => Result?["verdict"]?.GetValue<string>() == "clean";
        public string Verdict => Skipped is not null ? $"skipped: {Skipped}" : Result?["verdict"]?.GetValue<string>() ?? $"no result (generator exit {Exit})";
        public double? Sent => Num(Result?["send"]?["sent"]);
        public double? AckP50 => Num(Result?["ack_ms"]?["p50"]);
        public double? AckP99 => Num(Result?["ack_ms"]?["p99"]);
        public double? E2eP50 => Num(Result?["e2e_ms"]?["p50"]);
        public double? E2eP99 => Num(Result?["e2e_ms"]?["p99"]);
        public double? StackCpuSeconds => StackCpu is { Count: > 0 } cpu ? cpu.Values.Sum() : null;
        /// <summary>Stack CPU ms per webhook sent in the send phase.</summary>
        public double? StackCpuPerMessage => PerMessage(StackCpuSeconds);
        /// <summary>Whole-machine busy CPU ms (all cores, everything on the machine) per webhook sent, as the generator measured it.</summary>
        public double? MachinePerMessage => PerMessage(Num(Result?["cpu"]?["send_phase"]?["system"]?["busy_s"]));
        public double? MachineBusyPercent => Num(Result?["cpu"]?["send_phase"]?["system"]?["busy_pct_of_all_cores"]);
        public long Lost => Long(Result?["delivery"]?["lost"]) + Long(Result?["persisted"]?["acked_not_persisted"]);
        public long Duplicated => Long(Result?["delivery"]?["duplicates"]) + Long(Result?["persisted"]?["duplicates"]);
        public long Foreign => Long(Result?["delivery"]?["foreign_tenant_events"]);
        public long LostOrDuplicated => Lost + Duplicated + Foreign;

        private double? PerMessage(double? seconds) => seconds is { } s && Sent is > 0 ? 1000 * s / Sent : null;
    }

    public string Markdown()
    {
        var md = new StringBuilder();
        var cores = Environment.ProcessorCount;
        md.AppendLine(($"# Inbox ÷ the seed peer — {_startedAt:yyyy-MM-dd HH:mm} UTC"));
        md.AppendLine();
        md.AppendLine(($"Commit `{settings.Commit}`, {cores} cores, load average at the start {_loadAtStart}, at the end {SystemStats.LoadAverage()}. "
            + $"Both sides driven by the same generator (`bench-peer/load`, open loop, latencies from each message's due time), "
            + $"after {CompareRun.Fmt(settings.StackWarmup)} s of warm-up of each side at 100/s, "
            + $"{CompareRun.Fmt(settings.Warmup)} s warm-up (reconciled, not in the figures) + {CompareRun.Fmt(settings.Duration)} s per run, "
            + "peer then Inbox for each scenario, on this one machine with PostgreSQL, RabbitMQ and the generator: every figure is a lower bound, "
            + "the ratios are what to read. Peer: `peer-node` (Express + Socket.IO + pg, one process), database "
            + ($"`{settings.PeerDatabase}`. Inbox: the stack on 127.0.0.1:{target.Api.Port}–{target.Api.Port + 4}, database `{settings.InboxDatabase}`, SignalR hub `/hubs/inbox`, real session tokens.")));
        md.AppendLine();
        md.AppendLine("Ratios are Inbox ÷ peer: above 1 means Inbox takes more (rate: better; latency, CPU: worse).");
        md.AppendLine();
        md.AppendLine("| Scenario | achieved acks/s peer → Inbox (÷) | ack p99 ms (÷) | webhook→listener p99 ms (÷) | stack CPU ms/msg (÷) | machine ms/msg (÷) | Inbox lost / dup | verdict peer · Inbox |");
        md.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var scenario in settings.Scenarios)
        {
            var (peer, inbox) = Pair(scenario);
            md.AppendLine(($"| {scenario.Title} | {Pair(peer?.Achieved, inbox?.Achieved)} | {Pair(peer?.AckP99, inbox?.AckP99)} | {Pair(peer?.E2eP99, inbox?.E2eP99)} "
                + $"| {Pair(peer?.StackCpuPerMessage, inbox?.StackCpuPerMessage, "0.00")} | {Pair(peer?.MachinePerMessage, inbox?.MachinePerMessage, "0.00")} "
                + $"| {(inbox?.Result is null ? "–" : $"{inbox.Lost} / {inbox.Duplicated}")} | {Short(peer)} · {Short(inbox)} |"));
        }
        md.AppendLine();
        var bestPeer = BestClean("peer");
        var bestInbox = BestClean("inbox");
        md.AppendLine(($"Highest clean rate of the main series ({settings.Scenarios.FirstOrDefault(s => s.Series == "main")?.Title.Split(',')[0] ?? "none"}): "
            + $"peer {Rate(bestPeer)}, Inbox {Rate(bestInbox)}{(bestPeer is { } p && bestInbox is { } i ? $" (Inbox ÷ peer {Ratio(i.Achieved, p.Achieved)})" : "")}."));
        md.AppendLine();
        CeilingSection(md, bestInbox);
        foreach (var scenario in settings.Scenarios)
        {
            var (peer, inbox) = Pair(scenario);
            md.AppendLine(($"## {scenario.Title}"));
            md.AppendLine();
            md.AppendLine("| | peer-node | Inbox | Inbox ÷ peer |");
            md.AppendLine("|---|---|---|---|");
            Row(md, "achieved rate, acks/s (measured window)", peer?.Achieved, inbox?.Achieved, "0.#");
            Row(md, "ack p50, ms", peer?.AckP50, inbox?.AckP50, "0.#");
            Row(md, "ack p99, ms", peer?.AckP99, inbox?.AckP99, "0.#");
            Row(md, "webhook → listener p50, ms", peer?.E2eP50, inbox?.E2eP50, "0.#");
            Row(md, "webhook → listener p99, ms", peer?.E2eP99, inbox?.E2eP99, "0.#");
            Row(md, "stack CPU per message, ms", peer?.StackCpuPerMessage, inbox?.StackCpuPerMessage, "0.00");
            md.AppendLine(($"| stack CPU, s (by part) | {Parts(peer)} | {Parts(inbox)} | |"));
            Row(md, "machine busy per message, ms (all cores)", peer?.MachinePerMessage, inbox?.MachinePerMessage, "0.00");
            md.AppendLine(($"| machine busy, % of {cores} cores | {Num(peer?.MachineBusyPercent, "0.#")} | {Num(inbox?.MachineBusyPercent, "0.#")} | |"));
            md.AppendLine(($"| lost / duplicated / cross-tenant | {Losses(peer)} | {Losses(inbox)} | |"));
            md.AppendLine(($"| sent / acked / non-2xx / errors | {Counts(peer)} | {Counts(inbox)} | |"));
            md.AppendLine(($"| listeners connected | {Listeners(peer)} | {Listeners(inbox)} | |"));
            md.AppendLine(($"| generator send lag p99, ms | {Num(Num(peer?.Result?["send"]?["send_lag_ms"]?["p99"]), "0.#")} | {Num(Num(inbox?.Result?["send"]?["send_lag_ms"]?["p99"]), "0.#")} | |"));
            md.AppendLine(($"| load average before → after | {peer?.LoadBefore} → {peer?.LoadAfter} | {inbox?.LoadBefore} → {inbox?.LoadAfter} | |"));
            md.AppendLine(($"| verdict | {peer?.Verdict} | {inbox?.Verdict} | |"));
            md.AppendLine();
        }
        md.AppendLine("""
            How to read it:

            - **achieved rate**: acknowledged webhooks per second in the measured window (the generator's `achieved_rate`);
              *clean* means every message was acknowledged 2xx, stored, and delivered exactly once to every listener of its
              tenant, with no cross-tenant event. A run is stopped early (*collapse*) when more than rate × 5 s requests are
              in flight or the median webhook→listener latency of the last second exceeds 5 s; higher rates of that series are
              then skipped for that side.
            - **ack** is webhook sent → HTTP answer; **webhook → listener** is due time → `message:new` received by a listener.
            - **stack CPU per message**: CPU seconds, over the generator's send phase (warm-up included), of the side's own
              processes — peer: its Node process; Inbox: Api, WebhookIngest, Realtime, Workers and the simulator — plus the
              PostgreSQL backends of its database, plus (Inbox only) RabbitMQ, divided by the webhooks sent. Sampled from /proc
              every 250 ms. It leaves out the generator and PostgreSQL's shared WAL writer and checkpointer; RabbitMQ is counted
              whole, so other vhosts' traffic on this machine would inflate Inbox's figure.
            - **machine busy per message**: the generator's whole-machine busy CPU over the send phase (every process,
              including the generator itself and anything else running on the machine) ÷ webhooks sent. Fairer when the
              machine is otherwise idle; on a shared machine the stack figure is the steadier one.
            - **lost / duplicated** counts deliveries missing or repeated at a listener plus acknowledged-but-not-stored and
              duplicate rows (Inbox's rows are read as the PostgreSQL superuser, which row-level security does not filter).
            """);
        md.AppendLine();
        md.AppendLine("Files: `peer-*.json` and `inbox-*.json` (one generator result per run; `node load/src/report.js *.json` tabulates them), their `.log`, `ceiling.json` and `ceiling-raw/`, `peer-node.log`, `compare.json` (these figures).");
        return md.ToString();
    }

    private void CeilingSection(StringBuilder md, Run? bestInbox)
    {
        if (Ceiling is null)
        {
            md.AppendLine(settings.SkipCeiling ? "Ceiling: not run (--skip-ceiling)." : "Ceiling: failed (see ceiling.log).");
            md.AppendLine();
            return;
        }
        var runs = Ceiling["runs"]!.AsArray();
        var top = runs.MaxBy(r => Num(r!["clients"]) ?? 0)!;
        var tps = Num(top["tps"]);
        md.AppendLine(($"**Ceiling** (`ceiling/run.sh`: pgbench of the durable per-message transaction — ledger row, contact, conversation, message, outbox row — `synchronous_commit = on`; load average {Ceiling["load_average"]?["before"]} → {Ceiling["load_average"]?["after"]}): ")
            + string.Join("; ", runs.Select(r => ($"{r!["clients"]} clients {Num(Num(r["tps"]), "0")} tps (p50 {r["latency_ms"]?["p50"]} ms, p99 {r["latency_ms"]?["p99"]} ms)")))
            + ($"; fdatasync {Ceiling["pg_test_fsync_one_8kb_write_ops_per_s"]?["fdatasync"]} ops/s, fsync tail p99 {Ceiling["fsync_tail"]?["p99_ms"]} ms, max {Ceiling["fsync_tail"]?["max_ms"]} ms."));
        md.AppendLine();
        md.AppendLine(($"| Inbox run | clean | achieved acks/s | ÷ ceiling ({top["clients"]} clients, {Num(tps, "0")} tps) |"));
        md.AppendLine("|---|---|---|---|");
        foreach (var run in Runs.Where(r => r.Side == "inbox" && r.Result is not null))
            md.AppendLine(($"| {run.Scenario.Title} | {(run.Clean ? "yes" : "no")} | {Num(run.Achieved, "0.#")} | {Percent(run.Achieved, tps)} |"));
        md.AppendLine();
        md.AppendLine(($"Inbox's highest clean rate ÷ ceiling: {(bestInbox is null ? "no clean Inbox run" : Percent(bestInbox.Achieved, tps))}."));
        md.AppendLine();
    }

    public string Json()
    {
        var json = new JsonObject
        {
            ["tool"] = "inbox-bench-compare",
            ["started_at"] = _startedAt.ToString("O", CultureInfo.InvariantCulture),
            ["commit"] = settings.Commit,
            ["cores"] = Environment.ProcessorCount,
            ["load_average"] = new JsonObject { ["start"] = _loadAtStart, ["end"] = SystemStats.LoadAverage() },
            ["settings"] = new JsonObject
            {
                ["duration_s"] = settings.Duration, ["warmup_s"] = settings.Warmup, ["stack_warmup_s"] = settings.StackWarmup, ["peer_database"] = settings.PeerDatabase,
                ["inbox_database"] = settings.InboxDatabase, ["inbox_port_base"] = target.Api.Port, ["peer_port"] = settings.PeerPort,
                ["listener_workers"] = settings.ListenerWorkers,
            },
            ["ceiling"] = Ceiling?.DeepClone(),
            ["runs"] = new JsonArray([.. Runs.Select(r => (JsonNode)new JsonObject
            {
                ["scenario"] = r.Scenario.Key, ["title"] = r.Scenario.Title, ["series"] = r.Scenario.Series, ["side"] = r.Side,
                ["tenants"] = r.Scenario.Tenants, ["listeners"] = r.Scenario.Listeners, ["rate"] = r.Scenario.Rate,
                ["result_file"] = r.Result is null ? null : $"{r.Side}-{r.Scenario.Key}.json",
                ["skipped"] = r.Skipped, ["exit"] = r.Exit, ["verdict"] = r.Verdict, ["clean"] = r.Clean,
                ["achieved_rate"] = r.Achieved, ["ack_p50_ms"] = r.AckP50, ["ack_p99_ms"] = r.AckP99, ["e2e_p50_ms"] = r.E2eP50, ["e2e_p99_ms"] = r.E2eP99,
                ["stack_cpu_s"] = r.StackCpu is null ? null : new JsonObject([.. r.StackCpu.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)Math.Round(kv.Value, 3)))]),
                ["stack_cpu_ms_per_message"] = r.StackCpuPerMessage, ["machine_busy_ms_per_message"] = r.MachinePerMessage,
                ["lost"] = r.Lost, ["duplicated"] = r.Duplicated, ["foreign"] = r.Foreign,
                ["load_before"] = r.LoadBefore, ["load_after"] = r.LoadAfter,
            })]),
        };
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private (Run? Peer, Run? Inbox) Pair(CompareRun.Scenario scenario) =>
        (Runs.FirstOrDefault(r => r.Scenario == scenario && r.Side == "peer"), Runs.FirstOrDefault(r => r.Scenario == scenario && r.Side == "inbox"));

    private Run? BestClean(string side) =>
        Runs.Where(r => r.Side == side && r.Scenario.Series == "main" && r.Clean).MaxBy(r => r.Achieved ?? 0);

    private static string Rate(Run? run) => run is null ? "none clean" : ($"{Num(run.Achieved, "0.#")}/s (offered {CompareRun.Fmt(run.Scenario.Rate)}/s)");

    private static string Short(Run? run) => run is null ? "–" : run.Skipped is not null ? "skipped" : run.Result is null ? "no result" : run.Clean ? "clean" : "**not clean**";

    private static string Pair(double? peer, double? inbox, string format = "0.#") =>
        peer is null && inbox is null ? "–" : ($"{Num(peer, format)} → {Num(inbox, format)} ({Ratio(inbox, peer)})");

    private static void Row(StringBuilder md, string name, double? peer, double? inbox, string format) =>
        md.AppendLine(($"| {name} | {Num(peer, format)} | {Num(inbox, format)} | {Ratio(inbox, peer)} |"));

    private static string Parts(Run? run) => run?.StackCpu is { Count: > 0 } cpu
        ? string.Join(", ", cpu.Select(kv => ($"{kv.Key} {kv.Value:0.0}")))
        : "–";

    private static string Losses(Run? run) => run?.Result is null ? "–" : ($"{run.Lost} / {run.Duplicated} / {run.Foreign}");

    private static string Counts(Run? run) => run?.Result?["send"] is not { } s ? "–"
        : ($"{s["sent"]} / {s["acked"]} / {s["non2xx"]} / {s["errors"]}");

    private static string Listeners(Run? run) => run?.Result?["listeners"] is not { } l ? "–" : ($"{l["connected"]}/{l["requested"]}");

    private static string Ratio(double? numerator, double? denominator) =>
        numerator is { } n && denominator is { } d && d > 0 ? (n / d).ToString(n / d >= 10 ? "0" : "0.00", CultureInfo.InvariantCulture) : "–";

    private static string Percent(double? part, double? whole) =>
        part is { } p && whole is { } w && w > 0 ? (100 * p / w).ToString("0.#", CultureInfo.InvariantCulture) + " %" : "–";

    private static string Num(double? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "–";

    private static double? Num(JsonNode? node) => node is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;

    private static long Long(JsonNode? node) => node is JsonValue v && v.TryGetValue<long>(out var l) ? l : 0;


}
