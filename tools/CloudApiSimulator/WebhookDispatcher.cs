using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Threading.Channels;
using Inbox.WhatsApp;
using Microsoft.Extensions.Options;

namespace Inbox.CloudApiSimulator;

/// <summary>The outcome of delivering one payload: whether a 200 came back, after how many POSTs.</summary>
public sealed record DeliveryResult(bool Acknowledged, int Attempts, int? LastHttpStatus, string? LastError);

/// <summary>
/// Delivers webhooks the way Meta does: updates are batched (up to Webhooks:BatchSize per POST), encoded as Meta
/// encodes JSON, signed with the app secret over exactly the bytes sent (X-Hub-Signature-256), and POSTed
/// concurrently. Anything but HTTP 200 (or no answer) is retried: at once, then with doubling delays, bounded by
/// Webhooks:MaxAttempts and Webhooks:MaxRetryDuration. Some payloads are delivered twice (Webhooks:DuplicateRatio)
/// and updates may be held back at random (Webhooks:ShuffleJitter) so they arrive out of order.
/// </summary>
public sealed class WebhookDispatcher(
    IHttpClientFactory httpClients,
    IOptions<SimulatorOptions> options,
    WebhookSecret secret,
    DeliveryLedger ledger,
    SimulatorRandom random,
    TimeProvider clock,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string HttpClientName = "webhooks";

    private readonly Channel<WebhookUpdate> _updates = Channel.CreateUnbounded<WebhookUpdate>();
    private readonly SemaphoreSlim _inFlight = new(Math.Max(1, options.Value.Webhooks.Concurrency));
    private CancellationToken _stopping = CancellationToken.None;
    private int _queued;
    private int _delivering;

    private WebhookOptions Settings => options.Value.Webhooks;

    /// <summary>Updates waiting for a POST, and payloads being delivered (including their retries).</summary>
    public (int Queued, int Delivering) Backlog => (Volatile.Read(ref _queued), Volatile.Read(ref _delivering));

    /// <summary>Queues an update, after <paramref name="delay"/> plus the shuffle jitter.</summary>
    public void Enqueue(WebhookUpdate update, TimeSpan delay = default)
    {
        Interlocked.Increment(ref _queued);
        var wait = delay + random.Jitter(Settings.ShuffleJitter);
        if (wait <= TimeSpan.Zero)
        {
            _updates.Writer.TryWrite(update);
            return;
        }
        _ = WriteLaterAsync(update, wait);
    }

    private async Task WriteLaterAsync(WebhookUpdate update, TimeSpan wait)
    {
        try
        {
            await Task.Delay(wait, clock, _stopping);
            _updates.Writer.TryWrite(update);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Decrement(ref _queued);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        var reader = _updates.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                var batch = await ReadBatchAsync(reader, stoppingToken);
                if (batch.Count == 0) continue;
                Interlocked.Add(ref _queued, -batch.Count);
                if (Settings.ShuffleJitter > TimeSpan.Zero) Shuffle(batch);
                var body = MetaJson.Encode(WebhookPayloads.Envelope(batch));
                var items = batch.Select(u => u.Tracked).Distinct().ToList();
                await _inFlight.WaitAsync(stoppingToken); // back-pressure: at most Concurrency first attempts at once
                _ = DeliverInBackgroundAsync(body, items, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task<List<WebhookUpdate>> ReadBatchAsync(ChannelReader<WebhookUpdate> reader, CancellationToken stoppingToken)
    {
        var batch = new List<WebhookUpdate>();
        var size = Math.Clamp(Settings.BatchSize, 1, 1000);
        while (batch.Count < size && reader.TryRead(out var update)) batch.Add(update);
        if (batch.Count == 0 || batch.Count >= size || Settings.BatchWindow <= TimeSpan.Zero) return batch;

        using var window = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        window.CancelAfter(Settings.BatchWindow);
        try
        {
            while (batch.Count < size && await reader.WaitToReadAsync(window.Token))
                while (batch.Count < size && reader.TryRead(out var update)) batch.Add(update);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
        }
        return batch;
    }

    private async Task DeliverInBackgroundAsync(byte[] body, IReadOnlyList<DeliveryLedger.WebhookItem> items, CancellationToken stoppingToken)
    {
        try
        {
            await DeliverAsync(body, items, holdingSlot: true, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Webhook delivery failed unexpectedly");
        }
    }

    /// <summary>Delivers one payload, with retries (and perhaps a duplicate); completes when it is acknowledged or given up.</summary>
    public Task<DeliveryResult> DeliverAsync(byte[] body, IReadOnlyList<DeliveryLedger.WebhookItem> items, CancellationToken cancellationToken) =>
        DeliverAsync(body, items, holdingSlot: false, cancellationToken);

    private async Task<DeliveryResult> DeliverAsync(
        byte[] body, IReadOnlyList<DeliveryLedger.WebhookItem> items, bool holdingSlot, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _delivering);
        try
        {
            var signature = WebhookSignature.Sign(body, secret.Value);
            var result = await PostWithRetriesAsync(body, signature, items, holdingSlot, cancellationToken);
            if (result.Acknowledged && random.Chance(Settings.DuplicateRatio))
            {
                // Meta re-sends some payloads it already delivered: same bytes, same signature.
                await Task.Delay(random.Jitter(TimeSpan.FromMilliseconds(200)), clock, cancellationToken);
                await PostWithRetriesAsync(body, signature, items, holdingSlot: false, cancellationToken);
            }
            return result;
        }
        finally
        {
            Interlocked.Decrement(ref _delivering);
        }
    }

    private async Task<DeliveryResult> PostWithRetriesAsync(
        byte[] body, string signature, IReadOnlyList<DeliveryLedger.WebhookItem> items, bool holdingSlot,
        CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        var maxAttempts = Math.Max(1, Settings.MaxAttempts);
        int? status = null;
        string? error = null;
        for (var attempt = 1; ; attempt++)
        {
            if (!holdingSlot) await _inFlight.WaitAsync(cancellationToken);
            try
            {
                (status, error) = await PostAsync(body, signature, cancellationToken);
            }
            finally
            {
                _inFlight.Release();
                holdingSlot = false;
            }
            ledger.RecordAttempt(items, status, error, firstOfDelivery: attempt == 1);
            if (status == StatusCodes.Status200OK) return new DeliveryResult(true, attempt, status, null);

            var delay = RetryDelay(attempt + 1);
            if (attempt >= maxAttempts || clock.GetElapsedTime(started) + delay > Settings.MaxRetryDuration)
            {
                ledger.RecordGaveUp(items);
                logger.LogWarning("Webhook given up after {Attempts} attempts (last: {Status} {Error})", attempt, status, error);
                return new DeliveryResult(false, attempt, status, error);
            }
            if (delay > TimeSpan.Zero) await Task.Delay(delay, clock, cancellationToken);
        }
    }

    /// <summary>Before attempt n: the second comes at once, then RetryDelay doubling up to MaxRetryDelay.</summary>
    private TimeSpan RetryDelay(int attempt)
    {
        if (attempt <= 2) return TimeSpan.Zero;
        var delay = Settings.RetryDelay * Math.Pow(2, Math.Min(attempt - 3, 30));
        return delay > Settings.MaxRetryDelay ? Settings.MaxRetryDelay : delay;
    }

    private async Task<(int? Status, string? Error)> PostAsync(byte[] body, string signature, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, options.Value.WebhookUrl)
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation(WebhookSignature.HeaderName, signature);
        // The legacy SHA-1 header Meta still sends beside it; receivers should ignore it.
#pragma warning disable CA5350 // Meta's legacy header is SHA-1 by definition; nothing here relies on it
        request.Headers.TryAddWithoutValidation("X-Hub-Signature",
            "sha1=" + Convert.ToHexStringLower(HMACSHA1.HashData(secret.Bytes, body)));
#pragma warning restore CA5350
        request.Headers.TryAddWithoutValidation("User-Agent", "facebookexternalua");

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Settings.Timeout);
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
            return ((int)response.StatusCode, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, "timeout");
        }
        catch (HttpRequestException ex)
        {
            return (null, ex.Message);
        }
    }

    private void Shuffle(List<WebhookUpdate> batch)
    {
        for (var i = batch.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (batch[i], batch[j]) = (batch[j], batch[i]);
        }
    }
}

/// <summary>WhatsApp:AppSecret, which signs every webhook (the key WebhookIngest verifies with).</summary>
public sealed class WebhookSecret(string value)
{
    public string Value { get; } = value;
    public byte[] Bytes { get; } = System.Text.Encoding.UTF8.GetBytes(value);

    /// <summary>Read when the dispatcher starts, so a missing secret stops the app at once.</summary>
    public static WebhookSecret From(IConfiguration configuration) =>
        configuration["WhatsApp:AppSecret"] is { Length: > 0 } secret
            ? new WebhookSecret(secret)
            : throw new InvalidOperationException("WhatsApp:AppSecret is not configured.");
}
