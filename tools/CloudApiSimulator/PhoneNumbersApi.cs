using System.Text.Json.Nodes;

namespace Inbox.CloudApiSimulator;

/// <summary>
/// The business-number nodes, as a token sees them: GET /{version}/{phone-number-id} (routed here by MediaApi when
/// the id is a number's) and GET /{version}/{waba-id}/phone_numbers. Only a token that owns the number (or, for the
/// list, a number of that WABA) sees it: no or an unknown token is 190 (HTTP 401), any other is 100 subcode 33.
/// </summary>
public static class PhoneNumbersApi
{
    /// <summary>The fields a number node answers, in Meta's order; `id` is always added.</summary>
    private static readonly string[] Fields =
        ["verified_name", "code_verification_status", "display_phone_number", "quality_rating", "platform_type", "throughput"];

    public static void MapPhoneNumbersApi(this IEndpointRouteBuilder app) =>
        app.MapGet($"/{GraphRoutes.Version}/{{wabaId}}/phone_numbers", List);

    /// <summary>GET /{version}/{phone-number-id}[?fields=a,b]: the number node.</summary>
    public static IResult Get(string phoneNumberId, HttpRequest request, NumberRegistry numbers, FailureInjector failures)
    {
        var (number, error) = numbers.Authorize(request, phoneNumberId, "get");
        if (error is not null) return error.ToResult();
        if (failures.TryTake(phoneNumberId, FailureInjector.Number) is { } injected)
            return GraphError.FromCode(injected.Code, injected.HttpStatus, injected.Details).ToResult();
        var fields = RequestedFields(request, out var unknown);
        if (unknown is not null) return NonexistingField(unknown);
        return new GraphJson(Node(number!, fields));
    }

    /// <summary>GET /{version}/{waba-id}/phone_numbers[?fields=]: the WABA's numbers this token owns, one page.</summary>
    private static IResult List(string wabaId, HttpRequest request, NumberRegistry numbers)
    {
        var token = NumberRegistry.BearerToken(request);
        if (token is null || !numbers.IsKnownToken(token)) return GraphError.InvalidToken().ToResult();
        var owned = numbers.All.Where(n => n.WabaId == wabaId && NumberRegistry.TokenEquals(n.AccessToken, token)).ToList();
        if (owned.Count == 0) return GraphError.UnknownObject(wabaId, "get").ToResult();
        var fields = RequestedFields(request, out var unknown);
        if (unknown is not null) return NonexistingField(unknown);
        var data = new JsonArray([.. owned.Select(n => (JsonNode)Node(n, fields))]);
        var cursor = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(wabaId));
        return new GraphJson(new JsonObject
        {
            ["data"] = data,
            ["paging"] = new JsonObject { ["cursors"] = new JsonObject { ["before"] = cursor, ["after"] = cursor } },
        });
    }

    private static JsonObject Node(SimulatedNumber number, IReadOnlyCollection<string> fields)
    {
        var node = new JsonObject();
        foreach (var field in Fields.Where(fields.Contains))
            node[field] = field switch
            {
                "verified_name" => number.VerifiedName,
                "code_verification_status" => "VERIFIED",
                "display_phone_number" => Formatted(number.DisplayPhoneNumber),
                "quality_rating" => "GREEN",
                "platform_type" => "CLOUD_API",
                _ => new JsonObject { ["level"] = "STANDARD" },
            };
        node["id"] = number.PhoneNumberId;
        return node;
    }

    /// <summary>?fields=a,b (default: all); an unknown name is returned in <paramref name="unknown"/>.</summary>
    private static IReadOnlyCollection<string> RequestedFields(HttpRequest request, out string? unknown)
    {
        unknown = null;
        var asked = request.Query["fields"].ToString();
        if (asked.Length == 0) return Fields;
        var names = asked.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(f => f != "id").ToList();
        unknown = names.FirstOrDefault(f => !Fields.Contains(f));
        return names;
    }

    private static IResult NonexistingField(string field) => new GraphError(400, 100,
        $"(#100) Tried accessing nonexisting field ({field}) on node type (WhatsAppBusinessPhoneNumber)",
        $"Tried accessing nonexisting field ({field}).").ToResult();

    /// <summary>Meta shows the number as dialled, e.g. "+1 555-000-1111" (webhooks carry the bare digits).</summary>
    private static string Formatted(string digits) =>
        digits.Length == 11 && digits[0] == '1' ? $"+1 {digits[1..4]}-{digits[4..7]}-{digits[7..]}" : "+" + digits;
}
