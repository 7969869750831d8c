using System.Diagnostics;
using Inbox.Contracts;

namespace Inbox.Bench;

/// <summary>
/// Agents connected to Realtime, spread round-robin over the bench tenants (and their agents' tokens) and over the
/// Realtime instances (a tenant's listeners take the instances in turn, so each tenant listens on every instance). Each one
/// records the wamid of every message:new it receives and, for messages the load sent, the latency from when the
/// webhook was due to when the frame arrived.
/// </summary>
public sealed class Audience : IAsyncDisposable
{
    private static readonly byte[] WamidKey = "\"wamid\":\""u8.ToArray();
    private readonly List<BenchHubClient> _clients = [];

    public sealed class Log(BenchTenant tenant, Uri instance)
    {
        public BenchTenant Tenant { get; } = tenant;
        public Uri Instance { get; } = instance; // the Realtime instance it is connected to
        public List<string> Received { get; } = [];
    }

    public Latencies Delivery { get; } = new();
    public IReadOnlyList<BenchHubClient> Clients => _clients;
    public int Failed { get; private set; }

    public static async Task<Audience> ConnectAsync(BenchTarget target, IReadOnlyList<BenchTenant> tenants, int count, WebhookLoad? load, CancellationToken cancellationToken)
    {
        var audience = new Audience();
        var instances = target.RealtimeInstances;
        using var gate = new SemaphoreSlim(32); // connect a few at a time: each one checks its session in the database
        var connecting = Enumerable.Range(0, count).Select(async i =>
        {
            var tenant = tenants[i % tenants.Count];
            var token = tenant.AgentTokens[i / tenants.Count % tenant.AgentTokens.Count];
            await gate.WaitAsync(cancellationToken);
            try
            {
                var instance = instances[i / tenants.Count % instances.Count];
                return await BenchHubClient.ConnectAsync(instance, token, (client, name, record, at) =>
                {
                    if (name != HubEvents.MessageNew || BenchHubClient.StringAfter(record.Span, WamidKey) is not { } wamid) return;
                    var log = (Log)client.State!;
                    lock (log.Received) log.Received.Add(wamid);
                    if (load is not null && load.DueAt.TryGetValue(wamid, out var due))
                        audience.Delivery.Add((at - due) * 1000.0 / Stopwatch.Frequency);
                }, new Log(tenant, instance), cancellationToken);
            }
            catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or InvalidOperationException or HttpRequestException)
            {
                return null;
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        foreach (var client in await Task.WhenAll(connecting))
            if (client is null) audience.Failed++;
            else audience._clients.Add(client);
        return audience;
    }

    /// <summary>Waits until every client has every expected id of its tenant, or until nothing arrived for <paramref name="quiet"/>.</summary>
    public async Task WaitForAsync(IReadOnlyDictionary<int, HashSet<string>> expectedByTenant, TimeSpan quiet)
    {
        var lastProgress = Stopwatch.GetTimestamp();
        long lastTotal = -1;
        while (Stopwatch.GetElapsedTime(lastProgress) < quiet)
        {
            long total = 0;
            var complete = true;
            foreach (var client in _clients)
            {
                var log = (Log)client.State!;
                int received;
                lock (log.Received) received = log.Received.Count;
                total += received;
                if (received < expectedByTenant.GetValueOrDefault(log.Tenant.Index)?.Count) complete = false;
            }
            if (complete) return;
            if (total != lastTotal) (lastTotal, lastProgress) = (total, Stopwatch.GetTimestamp());
            await Task.Delay(100);
        }
    }

    /// <summary>Per client: what it received of this run (by prefix), and what its tenant's persisted set says it should have.</summary>
    public IReadOnlyList<(IReadOnlyList<string> Received, IReadOnlyCollection<string> Expected)> Deliveries(
        IReadOnlyDictionary<int, HashSet<string>> expectedByTenant, string runPrefix) =>
        [.. _clients.Select(c =>
        {
            var log = (Log)c.State!;
            List<string> received;
            lock (log.Received) received = [.. log.Received.Where(w => w.StartsWith(runPrefix, StringComparison.Ordinal))];
            return ((IReadOnlyList<string>)received, (IReadOnlyCollection<string>)(expectedByTenant.GetValueOrDefault(log.Tenant.Index) ?? []));
        })];

    public async ValueTask DisposeAsync()
    {
        foreach (var chunk in _clients.Chunk(200)) await Task.WhenAll(chunk.Select(c => c.DisposeAsync().AsTask()));
    }
}
