using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Inbox.WhatsApp;

namespace Inbox.Bench;

/// <summary>
/// Signed one-message webhooks, as Meta sends them, to WebhookIngest. Open loop: request i is due at start + i/rate
/// and goes out then whether or not earlier ones were answered; its latency counts from when it was due, so a
/// stalled server cannot hide its queue (no coordinated omission). Each message has a unique wamid
/// `wamid.BENCH{run}{seq}`; the customers are spread over <see cref="CustomersPerTenant"/> conversations per tenant.
/// </summary>
public sealed class WebhookLoad : IDisposable
{
    public const int CustomersPerTenant = 50;
    private readonly HttpClient _http;
    private readonly byte[] _secret;
    private readonly string _run = Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
    private long _sequence;

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

    public Latencies AckLatency { get; } = new();
    /// <summary>Wamids answered 2xx, by tenant index.</summary>
    public ConcurrentDictionary<int, ConcurrentBag<string>> Acknowledged { get; } = new();
    /// <summary>Every wamid sent, by tenant index (acknowledged or not).</summary>
    public ConcurrentDictionary<int, ConcurrentBag<string>> Sent { get; } = new();
    /// <summary>When each wamid was due (Stopwatch timestamp): end-to-end latency counts from there.</summary>
    public ConcurrentDictionary<string, long> DueAt { get; } = new();
    public ConcurrentDictionary<int, int> Statuses { get; } = new();
    public int NotAcknowledged => Statuses.Where(s => s.Key is < 200 or > 299).Sum(s => s.Value);
    public int AcknowledgedCount => Statuses.Where(s => s.Key is >= 200 and <= 299).Sum(s => s.Value);

    /// <summary>Sends at <paramref name="rate"/> per second for <paramref name="duration"/>, round-robin over the tenants; waits for every answer.</summary>
    public async Task<TimeSpan> RunOpenLoopAsync(IReadOnlyList<BenchTenant> tenants, double rate, TimeSpan duration, CancellationToken cancellationToken)
    {
        var total = (long)(rate * duration.TotalSeconds);
        var inFlight = new List<Task>((int)Math.Min(total, 1_000_000));
        var start = Stopwatch.GetTimestamp();
        var ticksPerRequest = Stopwatch.Frequency / rate;
        for (long i = 0; i < total && !cancellationToken.IsCancellationRequested;)
        {
            var now = Stopwatch.GetTimestamp();
            for (; i < total && start + (long)(i * ticksPerRequest) <= now; i++)
                inFlight.Add(SendAsync(tenants[(int)(i % tenants.Count)], start + (long)(i * ticksPerRequest)));
            await Task.Delay(1, cancellationToken);
        }
        var sendingTook = Stopwatch.GetElapsedTime(start);
        await Task.WhenAll(inFlight);
        return sendingTook;
    }

    /// <summary><paramref name="workers"/> senders, each waiting for its answer before the next (the most it takes).</summary>
    public async Task<(long Requests, TimeSpan Took)> RunClosedLoopAsync(IReadOnlyList<BenchTenant> tenants, int workers, TimeSpan duration, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var deadline = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long requests = 0;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async w =>
        {
            while (Stopwatch.GetTimestamp() < deadline && !cancellationToken.IsCancellationRequested)
            {
                await SendAsync(tenants[w % tenants.Count], Stopwatch.GetTimestamp());
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
            await SendAsync(tenant, Stopwatch.GetTimestamp(), from);
            if (Statuses.GetValueOrDefault(200) > 0) return;
            if (attempt == 5) throw new InvalidOperationException($"WebhookIngest does not acknowledge: {string.Join(", ", Statuses)}");
            await Task.Delay(1000, cancellationToken);
        }
    }

    private async Task SendAsync(BenchTenant tenant, long due, string? from = null)
    {
        await Task.Yield(); // build, sign and send off the scheduling loop
        var sequence = Interlocked.Increment(ref _sequence);
        var wamid = $"{RunPrefix}{sequence:D9}";
        var body = Envelope(tenant, wamid, sequence, from ?? $"49170{tenant.Index:D3}{sequence % CustomersPerTenant:D5}", BodyBytes);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/whatsapp") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add(WebhookSignature.HeaderName, "sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(_secret, body)));
        Sent.GetOrAdd(tenant.Index, _ => []).Add(wamid);
        DueAt[wamid] = due;
        int status;
        try
        {
            using var response = await _http.SendAsync(request);
            status = (int)response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            status = 0; // no answer (timeout or connection error)
        }
        AckLatency.AddSince(due);
        Statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
        if (status is >= 200 and <= 299) Acknowledged.GetOrAdd(tenant.Index, _ => []).Add(wamid);
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
