using Npgsql;

namespace Inbox.Bench;

/// <summary>
/// The running stack under test: its three addresses (always 127.0.0.1), the database as the application role
/// (for provisioning bench tenants, reconciling and the ceiling), the webhook app secret, and the Realtime pid.
/// </summary>
public sealed record BenchTarget(Uri Api, Uri Ingest, Uri Realtime, string ConnectionString, string AppSecret, string SecretsKey, int? RealtimePid)
{
    /// <summary>From ./inbox's environment: INBOX_PORT_BASE (+0 Api, +1 WebhookIngest, +2 Realtime).</summary>
    public static BenchTarget FromEnvironment(BenchOptions options)
    {
        var portBase = options.Int("port-base", int.TryParse(Environment.GetEnvironmentVariable("INBOX_PORT_BASE"), out var p) ? p : 5080);
        var pid = options.Has("realtime-pid") ? options.Int("realtime-pid", 0) : (int?)null;
        return new BenchTarget(
            new Uri($"http://127.0.0.1:{portBase}"), new Uri($"http://127.0.0.1:{portBase + 1}"), new Uri($"http://127.0.0.1:{portBase + 2}"),
            Required("ConnectionStrings__Inbox"), Required("WhatsApp__AppSecret"), Required("Secrets__Key"), pid is > 0 ? pid : null);
    }

    public NpgsqlDataSource OpenDatabase(int maxPoolSize = 100) =>
        new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(ConnectionString) { MaxPoolSize = maxPoolSize }.ConnectionString).Build();

    private static string Required(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException($"{name} is not set: run the benchmark with ./inbox bench.");
}
