using Npgsql;

namespace Inbox.Bench;

/// <summary>
/// The running stack under test: its three addresses (always 127.0.0.1), the database as the application role
/// (for provisioning bench tenants, reconciling and the ceiling), the webhook app secret, and the Realtime pid.
/// A scaled-out stack has more Realtime instances (<see cref="OtherRealtimes"/>): listeners are spread over all.
/// </summary>
public sealed record BenchTarget(Uri Api, Uri Ingest, Uri Realtime, string ConnectionString, string AppSecret, string SecretsKey, int? RealtimePid)
{
    /// <summary>The Realtime instances besides <see cref="Realtime"/>, on the same backplane.</summary>
    public IReadOnlyList<Uri> OtherRealtimes { get; init; } = [];

    /// <summary>Their process ids, when known (for CPU figures).</summary>
    public IReadOnlyList<int> OtherRealtimePids { get; init; } = [];

    /// <summary>Every Realtime instance, the first one first.</summary>
    public IReadOnlyList<Uri> RealtimeInstances => [Realtime, .. OtherRealtimes];

    /// <summary>Every known Realtime process, each once (in the tests all instances are one process).</summary>
    public IReadOnlyList<int> RealtimePids => [.. new[] { RealtimePid }.OfType<int>().Concat(OtherRealtimePids).Distinct()];

    /// <summary>
    /// From ./inbox's environment: INBOX_PORT_BASE (+0 Api, +1 WebhookIngest, +2 Realtime). With
    /// --realtime-instances N, Realtime instance k ≥ 2 is at base + 3 + k (base + 5, + 6, …), as ./inbox starts them;
    /// --realtime-pid lists their process ids, comma-separated, in the same order.
    /// </summary>
    public static BenchTarget FromEnvironment(BenchOptions options)
    {
        var portBase = options.Int("port-base", int.TryParse(Environment.GetEnvironmentVariable("INBOX_PORT_BASE"), out var p) ? p : 5080);
        var instances = options.Int("realtime-instances", 1);
        if (instances is < 1 or > 6) throw new ArgumentException("--realtime-instances must be 1 to 6.");
        var pids = (options.String("realtime-pid") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(int.Parse).Where(pid => pid > 0).ToList();
        return new BenchTarget(
            new Uri($"http://127.0.0.1:{portBase}"), new Uri($"http://127.0.0.1:{portBase + 1}"), new Uri($"http://127.0.0.1:{portBase + 2}"),
            Required("ConnectionStrings__Inbox"), Required("WhatsApp__AppSecret"), Required("Secrets__Key"), pids.Count > 0 ? pids[0] : null)
        {
            OtherRealtimes = [.. Enumerable.Range(2, instances - 1).Select(k => new Uri($"http://127.0.0.1:{portBase + 3 + k}"))],
            OtherRealtimePids = [.. pids.Skip(1)],
        };
    }

    public NpgsqlDataSource OpenDatabase(int maxPoolSize = 100) =>
        new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(ConnectionString) { MaxPoolSize = maxPoolSize }.ConnectionString).Build();

    private static string Required(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException($"{name} is not set: run the benchmark with ./inbox bench.");
}
