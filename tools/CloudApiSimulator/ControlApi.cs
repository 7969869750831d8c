using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Inbox.CloudApiSimulator;

public sealed record NumberRequest(string PhoneNumberId, string AccessToken, string? DisplayPhoneNumber, string? WabaId, string? VerifiedName);

public sealed record TrafficRequest(
    string? Mode, double? Rate, int? Customers, int? MaxMessages, List<string>? Numbers, Dictionary<string, double>? Mix);

public sealed record InboundRequest(string? PhoneNumberId, string? From, string? Name, string? Type, string? Text);

public sealed record FailureRequest(
    int Code, int? Count, string? PhoneNumberId, int? HttpStatus, string? Details, bool? Asynchronous, string? Operation,
    TimeSpan? Delay, string? WabaId = null);

/// <summary>
/// A template to add to an account, or the change of one (by name and language): Meta's components, category,
/// status (APPROVED by default), the reason of a rejection and what Meta explains (detail, recommendation).
/// Notify (default true): a change of status is sent as Meta's message_template_status_update webhook.
/// </summary>
public sealed record TemplateRequest(
    string? WabaId, string? Name, string? Language, string? Category, string? Status, JsonElement? Components, string? Reason,
    string? Detail, string? Recommendation, string? ParameterFormat, bool? Notify);

/// <summary>
/// /simulator: the knobs for developers, tests and the benchmark — numbers, templates, traffic on and off, one
/// customer message, a whole payload, failures for the next sends, and the report of every id sent and acknowledged.
/// </summary>
public static partial class ControlApi
{
    /// <summary>Template statuses Meta lists.</summary>
    private static readonly string[] TemplateStatuses =
        ["APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED", "IN_APPEAL", "PENDING_DELETION", "DELETED", "ARCHIVED", "LIMIT_EXCEEDED"];

    public static void MapControlApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/simulator");
        api.MapGet("/", Overview);
        api.MapPost("/numbers", AddNumber);
        api.MapGet("/templates", (TemplateStore store, string wabaId) =>
            TypedResults.Ok(store.Of(wabaId).Select(t => t.Node(TemplateStore.Fields)).ToList()));
        api.MapPost("/templates", UpsertTemplateAsync);
        api.MapDelete("/templates/{wabaId}/{name}/{language}", (TemplateStore store, string wabaId, string name, string language) =>
            store.Remove(wabaId, name, language) ? Results.NoContent() : Results.NotFound());
        api.MapGet("/traffic", (TrafficGenerator traffic) => TypedResults.Ok(traffic.State));
        api.MapPost("/traffic/start", StartTrafficAsync);
        api.MapPost("/traffic/stop", async (TrafficGenerator traffic) => TypedResults.Ok(await traffic.StopAsync()));
        api.MapPost("/inbound", SendInbound);
        api.MapPost("/inject", InjectAsync);
        api.MapGet("/failures", (FailureInjector failures) => TypedResults.Ok(failures.Pending));
        api.MapPost("/failures", AddFailure);
        api.MapDelete("/failures", (FailureInjector failures) =>
        {
            failures.Clear();
            return TypedResults.NoContent();
        });
        api.MapGet("/report", (DeliveryLedger ledger, bool? items) => TypedResults.Ok(ledger.Report(items ?? true)));
        api.MapDelete("/report", (DeliveryLedger ledger) =>
        {
            ledger.Clear();
            return TypedResults.NoContent();
        });
    }

    private static Ok<object> Overview(
        IOptions<SimulatorOptions> options, NumberRegistry numbers, TrafficGenerator traffic, FailureInjector failures,
        WebhookDispatcher dispatcher, DeliveryLedger ledger) =>
        TypedResults.Ok<object>(new
        {
            options.Value.GraphVersion,
            options.Value.WebhookUrl,
            numbers = numbers.All.Select(n => new { n.PhoneNumberId, n.DisplayPhoneNumber, n.WabaId, n.VerifiedName }),
            traffic = traffic.State,
            failures = failures.Pending,
            webhooks = new { dispatcher.Backlog.Queued, dispatcher.Backlog.Delivering },
            report = ledger.Report(withItems: false),
        });

    private static Results<Ok<object>, ProblemHttpResult> AddNumber(NumberRequest request, NumberRegistry numbers)
    {
        try
        {
            var number = numbers.Add(new SimulatedNumber
            {
                PhoneNumberId = request.PhoneNumberId, AccessToken = request.AccessToken,
                DisplayPhoneNumber = request.DisplayPhoneNumber ?? "", WabaId = request.WabaId ?? "", VerifiedName = request.VerifiedName ?? "",
            });
            return TypedResults.Ok<object>(new { number.PhoneNumberId, number.DisplayPhoneNumber, number.WabaId, number.VerifiedName });
        }
        catch (ArgumentException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest);
        }
    }

    /// <summary>
    /// Adds or changes a template; a change of its status (or a new one that is not PENDING) is sent as Meta's
    /// webhook unless notify is false. ?wait=true answers after the webhook's delivery, with its outcome.
    /// </summary>
    private static async Task<IResult> UpsertTemplateAsync(
        TemplateRequest request, TemplateStore store, TemplateWebhooks webhooks, IHostApplicationLifetime lifetime, bool? wait)
    {
        var status = request.Status?.ToUpperInvariant();
        string? problem =
            string.IsNullOrEmpty(request.WabaId) ? "WabaId is required."
            : request.Name is null || !TemplateName().IsMatch(request.Name) ? "Name is required: lowercase letters, digits and underscores."
            : request.Language is not { Length: > 0 and <= 16 } ? "Language is required, e.g. en_US."
            : status is not null && !TemplateStatuses.Contains(status) ? $"Status must be one of {string.Join(", ", TemplateStatuses)}."
            : request.Components is { ValueKind: not JsonValueKind.Array } ? "Components must be an array of Meta's template components."
            : null;
        if (problem is not null) return TypedResults.Problem(problem, statusCode: StatusCodes.Status400BadRequest);

        var (template, previous) = store.Upsert(request.WabaId!, request.Name!, request.Language!, t =>
        {
            if (request.Category is { } category) t.Category = category.ToUpperInvariant();
            if (status is not null) t.Status = status;
            t.RejectedReason = t.Status == "REJECTED" ? request.Reason ?? (t.RejectedReason == "NONE" ? "INVALID_FORMAT" : t.RejectedReason) : "NONE";
            if (request.ParameterFormat is { } format) t.ParameterFormat = format.ToUpperInvariant();
            if (request.Components is { } components) t.Components = JsonNode.Parse(components.GetRawText())!.AsArray();
        });
        var changed = previous is null ? template.Status != "PENDING" : previous != template.Status;
        var node = template.Node(TemplateStore.Fields);
        if (!changed || request.Notify == false) return TypedResults.Ok(new { template = node, webhook = (DeliveryResult?)null });
        var delivery = webhooks.SendAsync(template, request.Detail, request.Recommendation, lifetime.ApplicationStopping);
        return TypedResults.Ok(new { template = node, webhook = wait == true ? await delivery : null });
    }

    [GeneratedRegex("^[a-z0-9_]{1,512}$")]
    private static partial Regex TemplateName();

    private static async Task<Results<Ok<TrafficState>, ProblemHttpResult>> StartTrafficAsync(
        TrafficGenerator traffic, TrafficRequest? request)
    {
        try
        {
            var settings = traffic.Defaults(request?.Mode, request?.Rate, request?.Customers, request?.MaxMessages,
                request?.Numbers, request?.Mix);
            return TypedResults.Ok(await traffic.StartAsync(settings));
        }
        catch (ArgumentException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest);
        }
    }

    /// <summary>One customer message, generated and delivered like traffic; a new or generated customer.</summary>
    private static Results<Ok<object>, ProblemHttpResult> SendInbound(
        InboundRequest request, NumberRegistry numbers, InboundTraffic inbound, Chats chats, SimulatorRandom random,
        IOptions<SimulatorOptions> options)
    {
        var number = request.PhoneNumberId is { } id ? numbers.Find(id) : numbers.All is [var first, ..] ? first : null;
        if (number is null) return TypedResults.Problem("No such business number.", statusCode: StatusCodes.Status400BadRequest);
        var type = request.Type ?? "text";
        if (!CustomerMessages.Types.Contains(type))
            return TypedResults.Problem($"Type must be one of {string.Join(", ", CustomerMessages.Types)}.", statusCode: StatusCodes.Status400BadRequest);
        Customer customer;
        if (request.From is { } from)
        {
            if (from.Length is < 5 or > 15 || !from.All(char.IsAsciiDigit))
                return TypedResults.Problem("From must be 5 to 15 digits.", statusCode: StatusCodes.Status400BadRequest);
            var known = chats.FindByWaId(from);
            customer = request.Name is { } name || known is null
                ? new Customer(from, Ids.BsuidFor(from), request.Name ?? known?.Name ?? $"Customer {from[^4..]}")
                : known;
        }
        else customer = InboundTraffic.GeneratedCustomer(random.Next(Math.Max(1, options.Value.Traffic.Customers)));

        var (wamid, actualType) = inbound.Send(number, customer, type, request.Text);
        return TypedResults.Ok<object>(new { id = wamid, type = actualType, number.PhoneNumberId, from = customer.WaId, customer.Name });
    }

    /// <summary>
    /// A whole webhook payload (the JSON body), re-encoded Meta's way unless ?verbatim=true, signed and delivered
    /// with retries. ?wait=true answers after the delivery ended, with its outcome; otherwise 202 at once.
    /// </summary>
    private static async Task<IResult> InjectAsync(
        HttpRequest request, InboundTraffic inbound, IHostApplicationLifetime lifetime, bool? verbatim, bool? wait)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        var body = buffer.ToArray();
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                return TypedResults.Problem("The payload must be a JSON object.", statusCode: StatusCodes.Status400BadRequest);
        }
        catch (JsonException ex)
        {
            return TypedResults.Problem($"The payload is not JSON: {ex.Message}", statusCode: StatusCodes.Status400BadRequest);
        }
        var (ids, delivery) = inbound.Inject(body, verbatim ?? false, lifetime.ApplicationStopping);
        if (wait != true) return TypedResults.Accepted((string?)null, new { ids });
        return TypedResults.Ok(new { ids, delivery = await delivery });
    }

    private static Results<Ok<IReadOnlyList<FailureInjector.FailurePlan>>, ProblemHttpResult> AddFailure(
        FailureRequest request, FailureInjector failures)
    {
        if (request.Code < 0 || (request.Code == 0 && request.Delay is null))
            return TypedResults.Problem("Code must be a Meta error code, e.g. 130429 (or 0 with a delay).", statusCode: StatusCodes.Status400BadRequest);
        if (request.Delay is { } delay && (delay <= TimeSpan.Zero || request.Operation is FailureInjector.Number or FailureInjector.Templates or FailureInjector.Upload))
            return TypedResults.Problem("Delay must be positive, and only sends and media lookups can be delayed.", statusCode: StatusCodes.Status400BadRequest);
        if (request.Count is < 1) return TypedResults.Problem("Count must be at least 1.", statusCode: StatusCodes.Status400BadRequest);
        if (request.HttpStatus is < 400 or > 599) return TypedResults.Problem("HttpStatus must be 4xx or 5xx.", statusCode: StatusCodes.Status400BadRequest);
        if (request.Operation is not (null or FailureInjector.Send or FailureInjector.Media or FailureInjector.Upload or FailureInjector.Number or FailureInjector.Templates))
            return TypedResults.Problem("Operation must be 'send', 'media', 'upload', 'number' or 'templates'.", statusCode: StatusCodes.Status400BadRequest);
        failures.Add(new FailureInjector.FailurePlan
        {
            Code = request.Code,
            Remaining = request.Count ?? 1,
            PhoneNumberId = request.PhoneNumberId,
            WabaId = request.WabaId,
            HttpStatus = request.HttpStatus,
            Details = request.Details,
            Asynchronous = request.Operation is null or FailureInjector.Send
                           && (request.Asynchronous ?? GraphError.Asynchronous.Contains(request.Code)),
            Operation = request.Operation ?? FailureInjector.Send,
            Delay = request.Delay,
        });
        return TypedResults.Ok(failures.Pending);
    }
}
