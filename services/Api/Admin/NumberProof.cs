using Inbox.Hosting;
using Inbox.WhatsApp;
using Microsoft.AspNetCore.Http.HttpResults;
using Polly.Timeout;

namespace Inbox.Api.Admin;

/// <summary>What Meta says about a number it proved: digits only, as webhooks carry it, and its verified name.</summary>
public sealed record ProvenNumber(string DisplayPhoneNumber, string? VerifiedName);

/// <summary>
/// Numbers are proven, not claimed: a tenant may register a phone_number_id only with an access token that reaches
/// it, in the WhatsApp Business Account it names. Meta is asked with that token for the number
/// (GET /{phone-number-id}) and for the account's numbers (GET /{waba-id}/phone_numbers; the number node itself does
/// not name its account). A token or account that does not check out is 422 naming the field; a Graph API that
/// cannot be asked is 503 (unreachable, throttled) or 502 (an answer we cannot use), and nothing is stored.
/// </summary>
public sealed class NumberProof(IGraphApi graph, GraphApiOptions graphOptions, ILogger<NumberProof> logger)
{
    public const string NotProven = "urn:inbox:problem:number-not-proven";
    public const string GraphUnavailable = "urn:inbox:problem:graph-unavailable";

    /// <summary>An admin waits for this; Meta answers such look-ups in well under a second.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    public async Task<(ProvenNumber? Number, ProblemHttpResult? Problem)> CheckAsync(
        string phoneNumberId, string wabaId, string accessToken, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Deadline);
        var asking = "phoneNumberId"; // the field a refusal of the current call is about
        try
        {
            var number = await graph.GetPhoneNumberAsync(accessToken, phoneNumberId, deadline.Token);
            if (number.Id is null) throw new GraphApiException(null, "The number lookup returned no id.", null, null, 200);
            asking = "wabaId";
            var ofAccount = await NumbersOfAccountAsync(accessToken, wabaId, deadline.Token);
            if (!ofAccount.Any(n => n.Id == phoneNumberId))
                return (null, Refused("wabaId", $"The phone_number_id {phoneNumberId} is not a number of the WhatsApp Business Account {wabaId}."));
            var digits = new string((number.DisplayPhoneNumber ?? "").Where(char.IsAsciiDigit).ToArray());
            return (new ProvenNumber(digits, number.VerifiedName), null);
        }
        catch (GraphApiException ex) when (ex.Code is { } code && !ex.IsTransient && ex.HttpStatus < 500)
        {
            logger.LogInformation("Meta refused to prove number {PhoneNumberId} ({Field}): {Code} {Message} fbtrace {FbTraceId}",
                phoneNumberId, asking, code, ex.GraphMessage, ex.FbTraceId);
            return (null, code switch
            {
                0 or 190 => Refused("accessToken", $"Meta does not accept this access token: {ex.GraphMessage}"),
                3 or 10 or (>= 200 and <= 299) => Refused("accessToken",
                    $"This access token lacks the permission to read the number (whatsapp_business_management): {ex.GraphMessage}"),
                _ when asking == "wabaId" => Refused("wabaId",
                    $"This access token does not reach the WhatsApp Business Account {wabaId}: {ex.GraphMessage}"),
                _ => Refused("phoneNumberId", $"This access token does not reach the phone_number_id {phoneNumberId}: {ex.GraphMessage}"),
            });
        }
        catch (Exception ex) when (ex is GraphApiException or HttpRequestException or TimeoutRejectedException
                                   || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            logger.LogWarning(ex, "Could not ask Meta about number {PhoneNumberId}", phoneNumberId);
            var answered = ex is GraphApiException { IsTransient: false };
            return (null, Problems.Status(answered ? StatusCodes.Status502BadGateway : StatusCodes.Status503ServiceUnavailable,
                GraphUnavailable, "WhatsApp Cloud API unavailable",
                (answered ? "Meta's Graph API gave an answer the number cannot be proven with" : "Meta's Graph API could not be reached")
                + "; nothing was stored. Try again in a moment."));
        }
    }

    /// <summary>GET /{waba-id}/phone_numbers, every page: the numbers of a WhatsApp Business Account this token sees.</summary>
    private Task<List<GraphPhoneNumber>> NumbersOfAccountAsync(string accessToken, string wabaId, CancellationToken cancellationToken) =>
        GraphPages.AllAsync(after => graph.GetPhoneNumbersAsync(accessToken, wabaId, after, cancellationToken), graphOptions,
            maxPages: 20); // Meta pages by 25 or so; a WABA has a handful of numbers

    private static ProblemHttpResult Refused(string field, string error) =>
        TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [error] })
        {
            Status = StatusCodes.Status422UnprocessableEntity,
            Type = NotProven,
            Title = "Number not proven",
            Detail = "Meta did not confirm that this access token reaches this number in this WhatsApp Business Account; nothing was stored.",
        });
}

public static class NumberProofServices
{
    /// <summary>The Graph API client (WhatsApp:GraphBaseUrl) and the proof that uses it.</summary>
    public static WebApplicationBuilder AddNumberProof(this WebApplicationBuilder builder)
    {
        builder.AddGraphApi();
        builder.Services.AddScoped<NumberProof>();
        return builder;
    }
}
