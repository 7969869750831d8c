using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using Refit;

namespace Inbox.WhatsApp;

/// <summary>
/// Outbound:MaxRetries (default 5), Outbound:RetryBaseDelay (2 s), Outbound:MaxRetryDelay (1 min),
/// Outbound:AttemptTimeout (20 s: one send or read mark; past it the outcome is unknown and it is not repeated) and
/// Outbound:UploadTimeout (5 min: one media upload, up to WhatsApp's 100 MB).
/// </summary>
public sealed record GraphRetrySettings(int MaxRetries, TimeSpan RetryBaseDelay, TimeSpan MaxRetryDelay, TimeSpan AttemptTimeout, TimeSpan UploadTimeout)
{
    public static GraphRetrySettings From(IConfiguration configuration) => new(
        configuration.GetValue<int?>("Outbound:MaxRetries") ?? 5,
        configuration.GetValue<TimeSpan?>("Outbound:RetryBaseDelay") ?? TimeSpan.FromSeconds(2),
        configuration.GetValue<TimeSpan?>("Outbound:MaxRetryDelay") ?? TimeSpan.FromMinutes(1),
        configuration.GetValue<TimeSpan?>("Outbound:AttemptTimeout") ?? TimeSpan.FromSeconds(20),
        configuration.GetValue<TimeSpan?>("Outbound:UploadTimeout") ?? TimeSpan.FromMinutes(5));
}

/// <summary>
/// The resilience pipeline on the Graph client's HttpClient: how a call is retried — by Meta's error code, never by
/// HTTP status.
/// <list type="bullet">
/// <item>Only sends, read marks, template lists (a read: safe to repeat) and media uploads (an upload's content is a
/// seekable stream, sent again from its start) are retried here. A media look-up is retried by DownloadMediaConsumer's
/// redelivery (with its own back-off),
/// and a number proof has an admin waiting for its answer: retrying them here too would multiply the attempts.</item>
/// <item>An answer carrying a transient code (<see cref="GraphApiException.IsTransient"/>: 130429, 131056, 131000,
/// 131016, …) is tried again with exponential back-off and jitter — 4^n for the pair rate limit 131056, as Meta
/// advises; anything else (131047, 131026, 100, 190…) is an answer at once. A connection that could not even be
/// opened is retried too: nothing was sent.</item>
/// <item>A call that timed out or lost its connection after sending is NOT retried: Meta has no idempotency key, so a
/// second POST could deliver the message twice. Each attempt has its own timeout inside the retry, and a timeout is
/// not among what the retry handles.</item>
/// </list>
/// </summary>
public static class GraphResilience
{
    /// <summary>What HttpClient.Timeout was for the calls not retried here (the pipeline bounds every call now).</summary>
    public static readonly TimeSpan UnretriedCallTimeout = TimeSpan.FromSeconds(60);

    private static readonly HashSet<string> RetriedCalls =
    [
        nameof(IGraphApi.SendMessageAsync), nameof(IGraphApi.MarkReadAsync), nameof(IGraphApi.GetTemplatesAsync),
        nameof(IGraphApi.UploadMediaAsync),
    ];

    private static readonly HttpRequestOptionsKey<string> CallName = new(HttpRequestMessageOptions.MethodName);

    public static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, GraphRetrySettings settings, ILogger logger)
    {
        pipeline.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
        {
            ShouldHandle = async args => IsRetried(args.Context) && args.Outcome switch
            {
                { Exception: HttpRequestException exception } => GraphFailures.NotSent(exception),
                { Result: { } response } => await GraphApiException.FromResponseAsync(response, args.Context.CancellationToken)
                    is { IsTransient: true },
                _ => false, // a timeout, a cancellation: the call may have reached Meta
            },
            MaxRetryAttempts = Math.Max(1, settings.MaxRetries),
            DelayGenerator = async args => Delay(settings, await CodeOfAsync(args.Outcome), args.AttemptNumber),
            OnRetry = async args =>
            {
                var error = args.Outcome.Result is { } response ? await GraphApiException.FromResponseAsync(response) : null;
                logger.LogWarning(args.Outcome.Exception, "Graph call {Call} attempt {Attempt} failed ({Error}); retrying in {Delay}",
                    CallOf(args.Context), args.AttemptNumber + 1, error?.Message ?? args.Outcome.Exception?.Message, args.RetryDelay);
            },
        });
        pipeline.AddTimeout(new TimeoutStrategyOptions
        {
            TimeoutGenerator = args => ValueTask.FromResult(CallOf(args.Context) == nameof(IGraphApi.UploadMediaAsync) ? settings.UploadTimeout
                : IsRetried(args.Context) ? settings.AttemptTimeout : UnretriedCallTimeout),
        });
    }

    /// <summary>
    /// The wait before retry number <paramref name="attempt"/> + 1 (0-based): base × 2^n, or × 4^n after 131056,
    /// ±20 % so that retries of many sends do not line up, at most MaxRetryDelay.
    /// </summary>
    public static TimeSpan Delay(GraphRetrySettings settings, int? code, int attempt)
    {
        var factor = code == 131056 ? Math.Pow(4, attempt) : Math.Pow(2, attempt);
        var delay = settings.RetryBaseDelay.TotalMilliseconds * factor;
        delay *= 0.8 + Random.Shared.NextDouble() * 0.4;
        return TimeSpan.FromMilliseconds(Math.Min(delay, settings.MaxRetryDelay.TotalMilliseconds));
    }

    private static async ValueTask<int?> CodeOfAsync(Outcome<HttpResponseMessage> outcome) =>
        outcome.Result is { } response ? (await GraphApiException.FromResponseAsync(response))?.Code : null;

    private static string? CallOf(ResilienceContext context) =>
        context.GetRequestMessage() is { } request && request.Options.TryGetValue(CallName, out var name) ? name : null;

    private static bool IsRetried(ResilienceContext context) => CallOf(context) is { } name && RetriedCalls.Contains(name);
}

/// <summary>What an exception from a Graph call says about whether Meta may have the request.</summary>
public static class GraphFailures
{
    /// <summary>The request never left: the connection (DNS, TCP, TLS, proxy) could not be established.</summary>
    public static bool NotSent(HttpRequestException e) => e.HttpRequestError is HttpRequestError.NameResolutionError
        or HttpRequestError.ConnectionError or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError;

    /// <summary>The request may have reached Meta and been accepted, but no answer came back.</summary>
    public static bool OutcomeUnknown(Exception e) => e is TimeoutRejectedException
        || (e is HttpRequestException http && !NotSent(http))
        || e is TaskCanceledException or IOException;
}

/// <summary>Hears of each attempt of one send, for the send's claim (see SendWhatsAppMessageConsumer).</summary>
public interface ISendAttemptObserver
{
    /// <summary>Before each attempt: from now on a call is in flight, and Meta may take the message.</summary>
    Task CallStartingAsync(CancellationToken cancellationToken);

    /// <summary>After an attempt whose answer says Meta did not take the message (an error answer, or no connection).</summary>
    Task NotTakenAsync();
}

/// <summary>
/// Sits inside the retry, so it sees every attempt of a send, and tells the send's <see cref="ISendAttemptObserver"/>
/// (passed through the request's options by <see cref="IGraphApi.SendMessageAsync"/>).
/// </summary>
public sealed class SendAttemptHandler : DelegatingHandler
{
    public const string ObserverKey = "Inbox.SendAttemptObserver";

    private static readonly HttpRequestOptionsKey<ISendAttemptObserver> Observer = new(ObserverKey);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(Observer, out var observer) || observer is null)
            return await base.SendAsync(request, cancellationToken);
        await observer.CallStartingAsync(cancellationToken);
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e) when (GraphFailures.NotSent(e))
        {
            await observer.NotTakenAsync();
            throw;
        }
        if (!response.IsSuccessStatusCode) await observer.NotTakenAsync();
        return response;
    }
}
