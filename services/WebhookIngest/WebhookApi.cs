using System.Data.Common;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Inbox.Data.Outbox;
using Inbox.Hosting;
using Inbox.WhatsApp;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Inbox.WebhookIngest;

public static class WebhookApi
{
    public static void MapWebhookApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/webhooks/whatsapp");
        group.MapGet("/", Verify);
        group.MapPost("/", Receive);
    }

    /// <summary>
    /// Meta's subscription handshake: echo hub.challenge as plain text when the verify token is the deployment's or
    /// that of a number connected through its tenant's own app.
    /// </summary>
    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> Verify(
        HttpRequest request, WebhookSettings settings, ChannelOwnApps ownApps, CancellationToken cancellationToken)
    {
        var mode = request.Query["hub.mode"].ToString();
        var token = request.Query["hub.verify_token"].ToString();
        var challenge = request.Query["hub.challenge"].ToString();
        if (mode != "subscribe" || challenge.Length == 0)
            return TypedResults.Problem("The verify token or mode is wrong.", statusCode: StatusCodes.Status403Forbidden);
        var tokenMatches = CryptographicOperations.FixedTimeEquals(
            Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(settings.VerifyToken))
            || await ownApps.IsVerifyTokenAsync(token, cancellationToken);
        if (!tokenMatches)
            return TypedResults.Problem("The verify token or mode is wrong.", statusCode: StatusCodes.Status403Forbidden);
        return TypedResults.Text(challenge, "text/plain");
    }

    /// <summary>
    /// The signature header's form and the declared length before the body (<see cref="WebhookBody"/>), then the
    /// raw bytes (the signature covers them exactly), then the signature, then one transaction for the whole batch.
    /// 200 only after the commit; a database failure is 503 so Meta retries. An address that keeps failing the
    /// signature check gets 429 (<see cref="SourceFailures"/>). Every answer is counted by its outcome (<see cref="IngestTelemetry"/>).
    /// </summary>
    private static async Task<IResult> Receive(
        HttpRequest request, WebhookAuthentication authentication, SourceFailures failures, IngestQueue queue, WebhookIngestor ingestor,
        OutboxSignal outbox, ChannelHealthRecorder health, ILogger<WebhookIngestor> logger, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var source = ClientAddress.Of(request.HttpContext);
        var signature = request.Headers[WebhookSignature.HeaderName].ToString();
        if (!WebhookSignature.IsWellFormed(signature))
            return failures.Blocked(source) is { } blocked
                ? IngestTelemetry.Answered(TooManyFailures(request, blocked), "rate_limited", started)
                : IngestTelemetry.Answered(SignatureFailed(failures, source), "signature_invalid", started);

        var body = await WebhookBody.ReadAsync(request, cancellationToken);
        if (body is null)
            return IngestTelemetry.Answered(TypedResults.Problem($"The body exceeds {WebhookSettings.MaxBodyBytes} bytes.",
                statusCode: StatusCodes.Status413PayloadTooLarge), "too_large", started);

        var scope = authentication.SignedByDeployment(body, signature) ? SignatureScope.AnyNumber : null;
        if (scope is null)
        {
            if (failures.Blocked(source) is { } blocked) return IngestTelemetry.Answered(TooManyFailures(request, blocked), "rate_limited", started);
            scope = await authentication.SignedByOwnAppsAsync(body, signature, cancellationToken);
        }
        if (scope is null)
        {
            // Untrusted body: its numbers only count the failure against them; nothing is stored.
            await health.SignatureFailedAsync(NamedNumbers.ForHealth(NamedNumbers.All(body)), cancellationToken);
            return IngestTelemetry.Answered(SignatureFailed(failures, source), "signature_invalid", started);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            var unreadable = await StoreUnreadableAsync(ingestor, body, signature, logger, cancellationToken);
            return IngestTelemetry.Answered(unreadable, unreadable is ProblemHttpResult { StatusCode: 400 } ? "not_json" : "not_stored", started);
        }
        try
        {
            using (document)
            {
                if (await queue.StoreAsync(new WebhookIngestor.Envelope(document.RootElement, scope, body, signature), cancellationToken)
                    is not { } report)
                {
                    request.HttpContext.Response.Headers.RetryAfter = "1";
                    return IngestTelemetry.Answered(TypedResults.Problem("Too many webhooks at once; retry later.",
                        statusCode: StatusCodes.Status503ServiceUnavailable), "overloaded", started);
                }
                if (report.HasEvents) outbox.Notify();
                await health.WebhookSeenAsync(document.RootElement, cancellationToken);
                return IngestTelemetry.Answered(TypedResults.Ok(new { received = true }), report.Outcome, started);
            }
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            return IngestTelemetry.Answered(NotStored(ex, logger), "not_stored", started);
        }
    }

    /// <summary>A signed body that is not JSON is kept in the ledger too, and answered 400.</summary>
    private static async Task<IResult> StoreUnreadableAsync(
        WebhookIngestor ingestor, byte[] body, string signature, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            await ingestor.RecordUnreadableAsync(body, signature, cancellationToken);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            return NotStored(ex, logger);
        }
        return TypedResults.Problem("The body is not JSON.", statusCode: StatusCodes.Status400BadRequest);
    }

    private static bool IsStoreFailure(Exception ex) =>
        ex is DbException or TimeoutException or InvalidOperationException { InnerException: DbException };

    private static IResult NotStored(Exception ex, ILogger logger)
    {
        logger.LogError(ex, "Webhook not stored; answering 503 so Meta retries");
        return TypedResults.Problem("The webhook could not be stored; retry later.", statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static ProblemHttpResult SignatureFailed(SourceFailures failures, IPAddress source)
    {
        failures.Failed(source);
        return TypedResults.Problem("Missing or invalid X-Hub-Signature-256.", statusCode: StatusCodes.Status401Unauthorized);
    }

    private static ProblemHttpResult TooManyFailures(HttpRequest request, TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));
        request.HttpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem($"Too many webhooks from this address failed the signature check; retry in {seconds} s.",
            statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests", type: "urn:inbox:problem:rate-limited",
            extensions: new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds });
    }
}
