using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Inbox.WhatsApp;

namespace Inbox.Bench;

/// <summary>
/// Signed one-message webhooks, as Meta sends them, to WebhookIngest. Open loop: request i is due at start + i/rate
/// and goes out then whether or not earlier ones were answered; its latency counts from when it was due, so a
/// stalled server cannot hide its queue (no coordinated omission). Each message has a unique wamid
/// `wamid.BENCH{run}{seq}`; a tenant's messages go round-robin over its <see cref="CustomersPerTenant"/> customers
/// (one conversation each).
/// <para>
/// The first <c>warmup</c> seconds are sent at the same rate but left out of the latency figures and the
/// acknowledged rate (they are reconciled like every other message): they pay for the JIT and the connections of
/// this process, which would otherwise stall the first second and, on a loaded server, queue behind it for
/// seconds. Requests are scheduled from a dedicated thread, not the thread pool the answers and the hub clients of
/// this process run on; <see cref="SendLag"/> shows how late they still went out.
/// </para>
/// </summary>
public sealed class WebhookLoad : IDisposable
{
    public const int CustomersPerTenant = 50;
    private readonly HttpClient _http;
    private readonly byte[] _secret;
    private readonly string _run = Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
    private readonly List<(double DueS, double AckMs, bool Acked)> _timeline = [];
    private readonly Lock _timelineLock = new();
    private readonly ConcurrentDictionary<int, StrongBox<long>> _messagesByTenant = new();
    private long _sequence;
    private long _measuredAcknowledged;
    private long _lastMeasuredAnswer;
    private long _start;
    private double _warmupS;

    public WebhookLoad(BenchTarget target)
    {
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = target.Ingest,
            Timeout = TimeSpan.FromSeconds(30),
        };
        _secret = Encoding.UTF8.GetBytes(target.AppSecret);
    }

    /// <summary>Pads each message's text to this many characters (0: the short default text).</summary>
    public int BodyBytes { get; init; }

    /// <summary>Every wamid of this load starts with it.</summary>
    public string RunPrefix => $"wamid.BENCH{_run}";

    /// <summary>Ack latency from the due time, measured requests only (not the warm-up).</summary>
    public Latencies AckLatency { get; } = new();
    /// <summary>How late each measured request was handed to HttpClient after it was due: the generator's own lag.</summary>
    public Latencies SendLag { get; } = new();
    /// <summary>From handing a measured request to HttpClient to its answer (the server, the network and this client).</summary>
    public Latencies AckFromSend { get; } = new();
    /// <summary>Wamids answered 2xx, by tenant index (warm-up included).</summary>
    public ConcurrentDictionary<int, ConcurrentBag<string>> Acknowledged { get; } = new();
    /// <summary>Every wamid sent, by tenant index (acknowledged or not, warm-up included).</summary>
    public ConcurrentDictionary<int, ConcurrentBag<string>> Sent { get; } = new();
    /// <summary>When each measured wamid was due (Stopwatch timestamp): end-to-end latency counts from there.</summary>
    public ConcurrentDictionary<string, long> DueAt { get; } = new();
    public ConcurrentDictionary<int, int> Statuses { get; } = new();
    public int NotAcknowledged => Statuses.Where(s => s.Key is < 200 or > 299).Sum(s => s.Value);
    public int AcknowledgedCount => Statuses.Where(s => s.Key is >= 200 and <= 299).Sum(s => s.Value);
    /// <summary>Measured (not warm-up) requests answered 2xx.</summary>
    public long MeasuredAcknowledged => Interlocked.Read(ref _measuredAcknowledged);
    /// <summary>CPU this process used while sending (all its threads: the load, its answers, hub clients), % of one core.</summary>
    public double GeneratorCpuPercent { get; private set; }

    /// <summary>
    /// Sends at <paramref name="rate"/> per second for <paramref name="warmup"/> + <paramref name="duration"/>,
    /// round-robin over the tenants, and waits for every answer. Returns the measured span: from the first measured
    /// due time to the later of the end of sending and the last measured answer (acknowledged rate =
    /// <see cref="MeasuredAcknowledged"/> ÷ span).
    /// </summary>
    public async Task<TimeSpan> RunOpenLoopAsync(IReadOnlyList<BenchTenant> tenants, double rate, TimeSpan duration, CancellationToken cancellationToken,
        TimeSpan warmup = default)
    {
        var warmupCount = (long)(rate * warmup.TotalSeconds);
        var total = warmupCount + (long)(rate * duration.TotalSeconds);
        var inFlight = new List<Task>((int)Math.Min(total, 1_000_000));
        var ticksPerRequest = Stopwatch.Frequency / rate;
        _warmupS = warmup.TotalSeconds;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var start = _start = Stopwatch.GetTimestamp();
        var measuredStart = start + (long)(warmupCount * ticksPerRequest);
        var scheduled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // The schedule runs on its own thread: a busy thread pool (answers, 1,000 hub clients) cannot delay it, and
        // it sleeps until the next request is due instead of polling every millisecond.
        var scheduler = new Thread(() =>
        {
            try
            {
                for (long i = 0; i < total && !cancellationToken.IsCancellationRequested;)
                {
                    var now = Stopwatch.GetTimestamp();
                    for (; i < total && start + (long)(i * ticksPerRequest) <= now; i++)
                    {
                        var tenant = tenants[(int)(i % tenants.Count)];
                        inFlight.Add(SendAsync(tenant, start + (long)(i * ticksPerRequest), measured: i >= warmupCount, NextCustomer(tenant)));
                    }
                    if (i >= total) break;
                    var untilNext = (start + (long)(i * ticksPerRequest) - Stopwatch.GetTimestamp()) * 1000.0 / Stopwatch.Frequency;
                    // Sleep until the next one is due, at least 1 ms: never a busy wait, at most 1,000 wake-ups a second.
                    if (untilNext > 0) Thread.Sleep(Math.Max(1, (int)untilNext));
                }
                scheduled.SetResult();
            }
            catch (Exception ex)
            {
                scheduled.SetException(ex);
            }
        }) { IsBackground = true, Name = "webhook-load" };
        scheduler.Start();
        await scheduled.Task;
        var sendEnd = Stopwatch.GetTimestamp();
        GeneratorCpuPercent = 100 * (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds
                              / Stopwatch.GetElapsedTime(start, sendEnd).TotalSeconds;
        await Task.WhenAll(inFlight);
        var lastAnswer = Interlocked.Read(ref _lastMeasuredAnswer);
        return Stopwatch.GetElapsedTime(measuredStart, Math.Max(sendEnd, lastAnswer));
    }

    /// <summary><paramref name="workers"/> senders, each waiting for its answer before the next (the most it takes).</summary>
    public async Task<(long Requests, TimeSpan Took)> RunClosedLoopAsync(IReadOnlyList<BenchTenant> tenants, int workers, TimeSpan duration, CancellationToken cancellationToken)
    {
        var start = _start = Stopwatch.GetTimestamp();
        var deadline = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long requests = 0;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async w =>
        {
            var tenant = tenants[w % tenants.Count];
            while (Stopwatch.GetTimestamp() < deadline && !cancellationToken.IsCancellationRequested)
            {
                await SendAsync(tenant, Stopwatch.GetTimestamp(), measured: true, NextCustomer(tenant));
                Interlocked.Increment(ref requests);
            }
        }));
        return (requests, Stopwatch.GetElapsedTime(start));
    }

    /// <summary>One message from this customer, acknowledged (or throws).</summary>
    public async Task SendOneAsync(BenchTenant tenant, string from, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            await SendAsync(tenant, Stopwatch.GetTimestamp(), measured: true, from);
            if (Statuses.GetValueOrDefault(200) > 0) return;
            if (attempt == 5) throw new InvalidOperationException($"WebhookIngest does not acknowledge: {string.Join(", ", Statuses)}");
            await Task.Delay(1000, cancellationToken);
        }
    }

    /// <summary>
    /// The tenant's next customer, round-robin over its <see cref="CustomersPerTenant"/>: every conversation is used
    /// (a customer taken from the global sequence would give each of 10 tenants only 5, since 10 and 50 share 10).
    /// </summary>
    private string NextCustomer(BenchTenant tenant)
    {
        var n = Interlocked.Increment(ref _messagesByTenant.GetOrAdd(tenant.Index, _ => new StrongBox<long>()).Value) - 1;
        return $"49170{tenant.Index:D3}{n % CustomersPerTenant:D5}";
    }

    /// <summary>Per second of due time since the start (warm-up included): requests, acknowledged, ack p50/p99/max.</summary>
    public IReadOnlyList<TimelineSecond> Timeline()
    {
        List<(double DueS, double AckMs, bool Acked)> samples;
        lock (_timelineLock) samples = [.. _timeline];
        return [.. samples.GroupBy(s => (int)Math.Floor(s.DueS)).OrderBy(g => g.Key).Select(g =>
        {
            var acked = g.Where(s => s.Acked).Select(s => s.AckMs).Order().ToList();
            return new TimelineSecond(g.Key, g.Key < _warmupS, g.Count(), acked.Count, Math.Round(Latencies.Percentile(acked, 50), 1),
                Math.Round(Latencies.Percentile(acked, 99), 1), Math.Round(acked.Count == 0 ? 0 : acked[^1], 1));
        })];
    }

    public sealed record TimelineSecond(int Second, bool Warmup, int Sent, int Acknowledged, double P50, double P99, double Max);

    /// <summary>Builds, signs and sends one webhook; the synchronous part runs on the caller (the schedule's thread).</summary>
    private async Task SendAsync(BenchTenant tenant, long due, bool measured, string from)
    {
        var sequence = Interlocked.Increment(ref _sequence);
        var wamid = $"{RunPrefix}{sequence:D9}";
        var body = Envelope(tenant, wamid, sequence, from, BodyBytes);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/whatsapp") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add(WebhookSignature.HeaderName, "sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(_secret, body)));
        Sent.GetOrAdd(tenant.Index, _ => []).Add(wamid);
        if (measured) DueAt[wamid] = due;
        int status;
        var sentAt = Stopwatch.GetTimestamp();
        try
        {
            using var response = await _http.SendAsync(request);
            status = (int)response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            status = 0; // no answer (timeout or connection error)
        }
        var answeredAt = Stopwatch.GetTimestamp();
        var ackMs = (answeredAt - due) * 1000.0 / Stopwatch.Frequency;
        var acked = status is >= 200 and <= 299;
        lock (_timelineLock) _timeline.Add(((due - _start) / (double)Stopwatch.Frequency, ackMs, acked));
        if (measured)
        {
            AckLatency.Add(ackMs);
            SendLag.Add((sentAt - due) * 1000.0 / Stopwatch.Frequency);
            AckFromSend.Add((answeredAt - sentAt) * 1000.0 / Stopwatch.Frequency);
            if (acked) Interlocked.Increment(ref _measuredAcknowledged);
            long last;
            while (answeredAt > (last = Interlocked.Read(ref _lastMeasuredAnswer))
                   && Interlocked.CompareExchange(ref _lastMeasuredAnswer, answeredAt, last) != last) { }
        }
        Statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
        if (acked) Acknowledged.GetOrAdd(tenant.Index, _ => []).Add(wamid);
    }

    /// <summary>The documented envelope shape: one entry, one change, one contact, one text message.</summary>
    private static byte[] Envelope(BenchTenant tenant, string wamid, long sequence, string from, int bodyBytes)
    {
        var customer = from[^4..];
        var text = $"Bench message {sequence}: hello, is my order on its way?";
        if (bodyBytes > text.Length) text += new string('.', bodyBytes - text.Length);
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return Encoding.UTF8.GetBytes(
            $$$"""{"object":"whatsapp_business_account","entry":[{"id":"bench-waba-{{{tenant.Index}}}","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1555700{{{tenant.Index:D4}}}","phone_number_id":"{{{tenant.PhoneNumberId}}}"},"contacts":[{"profile":{"name":"Bench customer {{{customer}}}"},"wa_id":"{{{from}}}"}],"messages":[{"from":"{{{from}}}","id":"{{{wamid}}}","timestamp":"{{{timestamp}}}","type":"text","text":{"body":"{{{text}}}"}}]}}]}]}""");
    }

    public void Dispose() => _http.Dispose();
}
