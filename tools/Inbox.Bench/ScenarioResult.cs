using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Inbox.Bench;

/// <summary>What one scenario measured, against which target, with its reconciliation and the machine's load.</summary>
public sealed class ScenarioResult(string name)
{
    public string Name { get; } = name;
    public Dictionary<string, object> Parameters { get; } = [];
    /// <summary>Figures in the order they are reported.</summary>
    public List<Figure> Metrics { get; } = [];
    public List<Goal> Targets { get; } = [];
    public Reconciliation.Result? Reconciliation { get; set; }
    public string LoadBefore { get; set; } = SystemStats.LoadAverage();
    public string LoadAfter { get; set; } = "";
    public List<string> Notes { get; } = [];
    /// <summary>Ack latency per second of the load (warm-up included), for the scenarios that send webhooks.</summary>
    public IReadOnlyList<WebhookLoad.TimelineSecond>? AckTimeline { get; set; }

    [JsonIgnore]
    public bool Ok => Reconciliation?.Ok ?? true;

    public ScenarioResult Metric(string name, double value, string unit)
    {
        Metrics.Add(new Figure(name, Math.Round(value, 2), unit));
        return this;
    }

    public ScenarioResult Latency(string prefix, Latencies.Summary summary)
    {
        Metric($"{prefix} p50", summary.P50, "ms").Metric($"{prefix} p95", summary.P95, "ms").Metric($"{prefix} p99", summary.P99, "ms");
        Metric($"{prefix} p99.9", summary.P999, "ms").Metric($"{prefix} max", summary.Max, "ms");
        return Metric($"{prefix} samples", summary.Count, "");
    }

    /// <summary>A target is met when the actual figure is on the right side of the bound.</summary>
    public void Target(string what, double actual, double bound, bool atLeast, string unit) =>
        Targets.Add(new Goal(what, $"{(atLeast ? "≥" : "≤")} {bound.ToString("#,0.##", CultureInfo.InvariantCulture)} {unit}".TrimEnd(),
            Math.Round(actual, 2), atLeast ? actual >= bound : actual <= bound));

    public sealed record Figure(string Name, double Value, string Unit);

    public sealed record Goal(string What, string Bound, double Actual, bool Met);
}

/// <summary>Writes a run as JSON and markdown under bench/results/ (timestamped, plus latest.json and latest.md).</summary>
public static class ResultsWriter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string Markdown(IReadOnlyList<ScenarioResult> results, DateTimeOffset startedAt, string commit)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Inbox bench — {startedAt:yyyy-MM-dd HH:mm} UTC");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Commit `{commit}`, {Environment.ProcessorCount} cores; the stack and the load share the machine, so figures are lower bounds.");
        md.AppendLine();
        md.AppendLine("| Scenario | Target | Bound | Actual | Met |");
        md.AppendLine("|---|---|---|---|---|");
        foreach (var r in results)
            foreach (var t in r.Targets)
                md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Name} | {t.What} | {t.Bound} | {t.Actual:#,0.##} | {(t.Met ? "yes" : "**no**")} |");
        foreach (var r in results)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"## {r.Name}");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"Parameters: {string.Join(", ", r.Parameters.Select(p => $"{p.Key} {p.Value}"))}. Load average before {r.LoadBefore}, after {r.LoadAfter}.");
            md.AppendLine();
            md.AppendLine("| Figure | Value |");
            md.AppendLine("|---|---|");
            foreach (var m in r.Metrics) md.AppendLine(CultureInfo.InvariantCulture, $"| {m.Name} | {m.Value:#,0.##} {m.Unit} |");
            if (r.Reconciliation is { } rec)
            {
                md.AppendLine();
                md.AppendLine(CultureInfo.InvariantCulture, $"Reconciliation {(rec.Ok ? "OK" : "**FAILED**")}: {rec}.");
            }
            foreach (var note in r.Notes) { md.AppendLine(); md.AppendLine(note); }
        }
        return md.ToString();
    }

    /// <summary>Returns the path of the timestamped markdown file.</summary>
    public static string Write(string directory, IReadOnlyList<ScenarioResult> results, DateTimeOffset startedAt, string commit)
    {
        Directory.CreateDirectory(directory);
        var stamp = startedAt.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var json = JsonSerializer.Serialize(new
        {
            startedAt, commit, cores = Environment.ProcessorCount, ok = results.All(r => r.Ok), scenarios = results,
        }, Json);
        var markdown = Markdown(results, startedAt, commit);
        File.WriteAllText(Path.Combine(directory, $"{stamp}.json"), json);
        File.WriteAllText(Path.Combine(directory, $"{stamp}.md"), markdown);
        File.WriteAllText(Path.Combine(directory, "latest.json"), json);
        File.WriteAllText(Path.Combine(directory, "latest.md"), markdown);
        return Path.Combine(directory, $"{stamp}.md");
    }

    /// <summary>The console table: every figure of every scenario, then the targets.</summary>
    public static string Table(IReadOnlyList<ScenarioResult> results)
    {
        var text = new StringBuilder();
        foreach (var r in results)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{r.Name}  (load {r.LoadBefore} → {r.LoadAfter})");
            foreach (var m in r.Metrics) text.AppendLine(CultureInfo.InvariantCulture, $"  {m.Name,-36} {m.Value,12:#,0.##} {m.Unit}");
            foreach (var t in r.Targets) text.AppendLine(CultureInfo.InvariantCulture, $"  target {t.What,-29} {t.Bound,12}  actual {t.Actual:#,0.##}  {(t.Met ? "met" : "NOT MET")}");
            if (r.Reconciliation is { } rec) text.AppendLine(CultureInfo.InvariantCulture, $"  reconciliation {(rec.Ok ? "OK" : "FAILED")}: {rec}");
        }
        return text.ToString();
    }
}
