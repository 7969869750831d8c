using System.Diagnostics;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

namespace Inbox.Bench.Scenarios;

/// <summary>
/// 6. Slow clients: does one client that stops reading slow the others down? Two runs of the same load — webhooks at
/// --slow-rate per second (200) for --slow-duration (60 s), text bodies of --body-bytes (4,000) — to the same number
/// of healthy listeners (--listeners minus --stuck: 900 of 1,000, spread over the tenants): first alone, then with
/// --stuck (100) more connections that complete the handshake and never read again (they keep pinging, so only the
/// server's handling of their full buffers can drop them). Reports the healthy listeners' webhook → listener latency
/// in both runs and their ratio, how many stuck connections the server dropped, and (with --realtime-pid) the
/// Realtime process's memory during the second run. Both runs are reconciled: every healthy listener must get every
/// stored message of its tenant.
/// </summary>
public static class SlowClients
{
    public const string Name = "6. slow clients";

    public static async Task<ScenarioResult> RunAsync(BenchTarget target, IReadOnlyList<BenchTenant> tenants, BenchOptions options, bool alone, CancellationToken cancellationToken)
    {
        var listeners = options.Int("listeners", 1000);
        var stuckCount = Math.Clamp(options.Int("stuck", 100), 0, listeners);
        var healthyCount = listeners - stuckCount;
        var rate = options.Double(alone ? ["slow-rate", "rate"] : ["slow-rate"], 200);
        var duration = TimeSpan.FromSeconds(options.Double(alone ? ["slow-duration", "duration"] : ["slow-duration"], 60));
        var bodyBytes = options.Int("body-bytes", 4000);
        var result = new ScenarioResult(Name)
        {
            Parameters =
            {
                ["listeners"] = listeners, ["stuck"] = stuckCount, ["tenants"] = tenants.Count, ["rate/s"] = rate,
                ["duration s"] = duration.TotalSeconds, ["body bytes"] = bodyBytes,
            },
        };
        await using var database = target.OpenDatabase(4);

        // Run 1: the healthy listeners alone.
        var alone1 = await RunOnceAsync(target, tenants, database, healthyCount, 0, rate, duration, bodyBytes, cancellationToken);
        // Run 2: the same, with the stuck connections there from before the first webhook to the end.
        var loadBetween = SystemStats.LoadAverage();
        var withStuck = await RunOnceAsync(target, tenants, database, healthyCount, stuckCount, rate, duration, bodyBytes, cancellationToken);
        result.LoadAfter = SystemStats.LoadAverage();

        result.Metric("healthy listeners", healthyCount, "");
        result.Metric("acknowledged, alone", alone1.AcksPerSecond, "acks/s").Metric("acknowledged, with stuck", withStuck.AcksPerSecond, "acks/s");
        result.Latency("webhook → listener, alone", alone1.Delivery);
        result.Latency("webhook → listener, with stuck", withStuck.Delivery);
        var ratio = alone1.Delivery.P99 > 0 ? withStuck.Delivery.P99 / alone1.Delivery.P99 : 0;
        result.Metric("p99 with stuck ÷ p99 alone", ratio, "");
        result.Metric("stuck connections dropped by the server", withStuck.StuckDropped, $"of {stuckCount}");
        result.Metric("healthy listeners closed, alone", alone1.HealthyClosed, "").Metric("healthy listeners closed, with stuck", withStuck.HealthyClosed, "");
        if (withStuck.Memory is { } memory)
            result.Metric("Realtime RSS before", memory.BeforeKb / 1024.0, "MiB").Metric("Realtime RSS peak", memory.PeakKb / 1024.0, "MiB")
                .Metric("Realtime RSS after", memory.AfterKb / 1024.0, "MiB");
        result.Notes.Add($"Load average after the first run: {loadBetween}.");
        if (alone1.Failed + withStuck.Failed > 0) result.Notes.Add($"{alone1.Failed + withStuck.Failed} connections could not be opened.");
        if (withStuck.StuckDropped < stuckCount)
            result.Notes.Add($"{stuckCount - withStuck.StuckDropped} stuck connections were never dropped: the load did not fill their socket buffers within the run (more --body-bytes or --slow-duration does).");

        var first = alone1.Reconciliation.Check();
        var second = withStuck.Reconciliation.Check();
        result.Reconciliation = first.Ok ? second : first;
        if (!first.Ok) result.Notes.Add($"The run without stuck clients failed its reconciliation: {first}.");
        result.Notes.Add($"Reconciliation of the run without stuck clients: {first}.");

        result.Target("healthy p99 with stuck ÷ alone", ratio, 1.1, atLeast: false, "");
        result.Target("webhook → healthy listener p99 with stuck", withStuck.Delivery.P99, 100, atLeast: false, "ms");
        result.Target("healthy listeners closed", withStuck.HealthyClosed, 0, atLeast: false, "");
        return result;
    }

    private sealed record Run(
        Latencies.Summary Delivery, double AcksPerSecond, Reconciliation Reconciliation, int StuckDropped, int HealthyClosed, int Failed,
        (long BeforeKb, long PeakKb, long AfterKb)? Memory);

    private static async Task<Run> RunOnceAsync(BenchTarget target, IReadOnlyList<BenchTenant> tenants, Npgsql.NpgsqlDataSource database,
        int healthy, int stuckCount, double rate, TimeSpan duration, int bodyBytes, CancellationToken cancellationToken)
    {
        using var load = new WebhookLoad(target) { BodyBytes = bodyBytes };
        await using var audience = await Audience.ConnectAsync(target, tenants, healthy, load, cancellationToken);
        var stuck = new List<StuckListener>();
        var failed = audience.Failed;
        try
        {
            for (var i = 0; i < stuckCount; i++)
            {
                var tenant = tenants[i % tenants.Count];
                try { stuck.Add(await StuckListener.ConnectAsync(target.Realtime, tenant.AgentTokens[i / tenants.Count % tenant.AgentTokens.Count], cancellationToken)); }
                catch (Exception ex) when (ex is WebSocketException or InvalidOperationException or HttpRequestException) { failed++; }
            }

            var before = target.RealtimePid is { } pid ? SystemStats.Memory(pid).RssKb : 0;
            var peak = before;
            using var sampling = new CancellationTokenSource();
            var sampler = target.RealtimePid is { } sampled
                ? Task.Run(async () =>
                {
                    while (!sampling.IsCancellationRequested)
                    {
                        peak = Math.Max(peak, SystemStats.Memory(sampled).RssKb);
                        try { await Task.Delay(500, sampling.Token); } catch (OperationCanceledException) { return; }
                    }
                }, CancellationToken.None)
                : Task.CompletedTask;

            var start = Stopwatch.GetTimestamp();
            await load.RunOpenLoopAsync(tenants, rate, duration, cancellationToken);
            var took = Stopwatch.GetElapsedTime(start);
            var persisted = await LoadCheck.PersistedAsync(database, tenants, load, cancellationToken);
            await audience.WaitForAsync(LoadCheck.ExpectedByTenant(persisted), TimeSpan.FromSeconds(15));
            await sampling.CancelAsync();
            await sampler;
            var memory = target.RealtimePid is { } measured ? (before, peak, SystemStats.Memory(measured).RssKb) : ((long, long, long)?)null;

            return new Run(audience.Delivery.Summarize(), load.AcknowledgedCount / took.TotalSeconds, LoadCheck.Reconcile(load, persisted, audience),
                stuck.Count(s => s.Dropped), audience.Clients.Count(c => !c.IsOpen), failed, memory);
        }
        finally
        {
            foreach (var chunk in stuck.Chunk(100)) await Task.WhenAll(chunk.Select(s => s.DisposeAsync().AsTask()));
        }
    }

    /// <summary>
    /// A hub connection that reads its handshake answer and nothing after, with a small socket receive buffer so it
    /// fills soon. It pings every second, so the server's client timeout never drops it; a ping that fails means the
    /// server dropped it.
    /// </summary>
    private sealed class StuckListener : IAsyncDisposable
    {
        private readonly ClientWebSocket _socket = new();
        private readonly HttpMessageInvoker _invoker = new(new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = 4096 };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        });
        private readonly CancellationTokenSource _stop = new();
        private Task _pinging = Task.CompletedTask;
        private int _dropped;

        public bool Dropped => Volatile.Read(ref _dropped) == 1;

        public static async Task<StuckListener> ConnectAsync(Uri realtime, string accessToken, CancellationToken cancellationToken)
        {
            var client = new StuckListener();
            try
            {
                client._socket.Options.SetBuffer(1024, 1024);
                client._socket.Options.KeepAliveInterval = TimeSpan.Zero;
                var url = new UriBuilder(realtime) { Scheme = "ws", Path = "/hubs/inbox", Query = "access_token=" + Uri.EscapeDataString(accessToken) }.Uri;
                await client._socket.ConnectAsync(url, client._invoker, cancellationToken);
                await client.SendAsync("""{"protocol":"json","version":1}""", cancellationToken);
                var answer = new byte[1024];
                var handshake = await client._socket.ReceiveAsync(answer, cancellationToken);
                if (handshake.MessageType == WebSocketMessageType.Close || Encoding.UTF8.GetString(answer, 0, handshake.Count).Contains("error", StringComparison.Ordinal))
                    throw new InvalidOperationException("SignalR handshake failed");
            }
            catch
            {
                await client.DisposeAsync();
                throw;
            }
            client._pinging = Task.Run(client.PingAsync, CancellationToken.None);
            return client;
        }

        private async Task PingAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    await SendAsync("""{"type":6}""", _stop.Token);
                    await Task.Delay(1000, _stop.Token);
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
                {
                    Volatile.Write(ref _dropped, 1);
                    return;
                }
            }
        }

        private Task SendAsync(string json, CancellationToken cancellationToken) =>
            _socket.SendAsync(Encoding.UTF8.GetBytes(json + '\u001e'), WebSocketMessageType.Text, true, cancellationToken);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _pinging.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _socket.Abort();
            _socket.Dispose();
            _invoker.Dispose();
            _stop.Dispose();
        }
    }
}
