using System.Net.Http;
using Inbox.Hosting;
using Inbox.WhatsApp;
using MassTransit;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Inbox.Workers.Outbound;

/// <summary>
/// Outbound:MaxRetries (default 5), Outbound:RetryBaseDelay (2 s), Outbound:MaxRetryDelay (1 min),
/// Outbound:AttemptTimeout (20 s: one Graph call; past it the outcome is unknown and the send is not repeated),
/// Outbound:SendLease (2 min: how long a claim holds without news from its worker; renewed before each call, so it
/// must exceed AttemptTimeout + MaxRetryDelay), Outbound:LeaseSweepInterval (30 s: how often expired claims are looked for).
/// </summary>
public sealed record OutboundSettings(
    int MaxRetries, TimeSpan RetryBaseDelay, TimeSpan MaxRetryDelay, TimeSpan AttemptTimeout, TimeSpan SendLease,
    TimeSpan LeaseSweepInterval)
{
    public static OutboundSettings From(IConfiguration configuration)
    {
        var settings = new OutboundSettings(
            configuration.GetValue<int?>("Outbound:MaxRetries") ?? 5,
            configuration.GetValue<TimeSpan?>("Outbound:RetryBaseDelay") ?? TimeSpan.FromSeconds(2),
            configuration.GetValue<TimeSpan?>("Outbound:MaxRetryDelay") ?? TimeSpan.FromMinutes(1),
            configuration.GetValue<TimeSpan?>("Outbound:AttemptTimeout") ?? TimeSpan.FromSeconds(20),
            configuration.GetValue<TimeSpan?>("Outbound:SendLease") ?? TimeSpan.FromMinutes(2),
            configuration.GetValue<TimeSpan?>("Outbound:LeaseSweepInterval") ?? TimeSpan.FromSeconds(30));
        // A shorter lease would let the sweep take a send from a worker that is only waiting to retry it.
        if (settings.SendLease <= settings.AttemptTimeout + settings.MaxRetryDelay)
            throw new InvalidOperationException("Outbound:SendLease must be longer than Outbound:AttemptTimeout + Outbound:MaxRetryDelay.");
        return settings;
    }
}

public static class OutboundServices
{
    public static void RegisterConsumers(IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<SendWhatsAppMessageConsumer, SendWhatsAppMessageConsumerDefinition>();
        bus.AddConsumer<SendReadReceiptConsumer, SendReadReceiptConsumerDefinition>();
    }

    public static WebApplicationBuilder AddOutbound(this WebApplicationBuilder builder)
    {
        var settings = OutboundSettings.From(builder.Configuration);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(sp => GraphSendPipeline.Build(settings, sp.GetRequiredService<ILogger<GraphSendPipeline>>()));
        builder.Services.AddSingleton<SendLeaseSweep>();
        return builder.AddGraphApi();
    }
}

/// <summary>
/// How a Graph call is retried: by Meta's error code, never by HTTP status. Throttling and transient errors
/// (130429, 131056, 131000, 131016, and the rest of <see cref="GraphApiException.IsTransient"/>) are tried again
/// with exponential back-off and jitter — 4^n for the pair rate limit 131056, as Meta advises; anything else
/// (131047, 131026, 100, 190…) fails at once. A connection that could not even be opened is retried too (nothing
/// was sent). A call that timed out or lost its connection after sending is NOT retried: Meta has no idempotency
/// key, so a second POST could deliver the message twice (see <see cref="SendWhatsAppMessageConsumer"/>).
/// </summary>
public sealed class GraphSendPipeline(ResiliencePipeline pipeline)
{
    public ResiliencePipeline Pipeline { get; } = pipeline;

    public static GraphSendPipeline Build(OutboundSettings settings, ILogger logger) => new(new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder()
                .Handle<GraphApiException>(e => e.IsTransient)
                .Handle<HttpRequestException>(NotSent),
            MaxRetryAttempts = Math.Max(1, settings.MaxRetries),
            DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(Delay(settings, args.Outcome.Exception, args.AttemptNumber)),
            OnRetry = args =>
            {
                logger.LogWarning(args.Outcome.Exception, "Graph call attempt {Attempt} failed; retrying in {Delay}",
                    args.AttemptNumber + 1, args.RetryDelay);
                return ValueTask.CompletedTask;
            },
        })
        .AddTimeout(settings.AttemptTimeout)
        .Build());

    /// <summary>The request never left: the connection (DNS, TCP, TLS, proxy) could not be established.</summary>
    public static bool NotSent(HttpRequestException e) => e.HttpRequestError is HttpRequestError.NameResolutionError
        or HttpRequestError.ConnectionError or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError;

    /// <summary>The request may have reached Meta and been accepted, but no answer came back.</summary>
    public static bool OutcomeUnknown(Exception e) => e is TimeoutRejectedException
        || (e is HttpRequestException http && !NotSent(http))
        || e is TaskCanceledException or IOException;

    private static TimeSpan Delay(OutboundSettings settings, Exception? error, int attempt)
    {
        var factor = error is GraphApiException { Code: 131056 } ? Math.Pow(4, attempt) : Math.Pow(2, attempt);
        var delay = settings.RetryBaseDelay.TotalMilliseconds * factor;
        delay *= 0.8 + Random.Shared.NextDouble() * 0.4; // jitter: retries of many sends do not line up
        return TimeSpan.FromMilliseconds(Math.Min(delay, settings.MaxRetryDelay.TotalMilliseconds));
    }
}
