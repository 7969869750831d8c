using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Inbox.CloudApiSimulator;

/// <summary>
/// GET /{version}/{waba-id}/message_templates[?fields=&amp;limit=&amp;after=]: one page of an account's templates, every
/// status and language, as a token that owns one of its numbers sees them (no or an unknown token: 190; any other:
/// 100 subcode 33). Meta's cursor paging: paging.cursors.before/after on every page, paging.next (an absolute URL
/// with after=) only while more follow.
/// </summary>
public static class TemplatesApi
{
    private const int DefaultLimit = 25;
    private const int MaxLimit = 1000;

    public static void MapTemplatesApi(this IEndpointRouteBuilder app) =>
        app.MapGet($"/{GraphRoutes.Version}/{{wabaId}}/message_templates", List);

    private static IResult List(
        string version, string wabaId, HttpRequest request, NumberRegistry numbers, TemplateStore store, FailureInjector failures,
        IOptions<SimulatorOptions> options)
    {
        var token = NumberRegistry.BearerToken(request);
        if (token is null || !numbers.IsKnownToken(token)) return GraphError.InvalidToken().ToResult();
        if (!numbers.All.Any(n => n.WabaId == wabaId && NumberRegistry.TokenEquals(n.AccessToken, token)))
            return GraphError.UnknownObject(wabaId, "get").ToResult();
        if (failures.TryTake(wabaId, FailureInjector.Templates) is { } injected)
            return GraphError.FromCode(injected.Code, injected.HttpStatus, injected.Details).ToResult();

        var asked = request.Query["fields"].ToString();
        var fields = asked.Length == 0
            ? ["name", "components", "language", "status", "category"] // Meta's default fields
            : asked.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(f => f != "id").ToList();
        if (fields.FirstOrDefault(f => !TemplateStore.Fields.Contains(f)) is { } unknown)
            return new GraphError(400, 100, $"(#100) Tried accessing nonexisting field ({unknown}) on node type (WhatsAppBusinessHSM)",
                $"Tried accessing nonexisting field ({unknown}).").ToResult();
        var limit = DefaultLimit;
        if (request.Query["limit"].ToString() is { Length: > 0 } text
            && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
            return GraphError.InvalidParameter($"Param limit must be a number from 1 to {MaxLimit}.").ToResult();
        var start = 0;
        if (request.Query["after"].ToString() is { Length: > 0 } after && (start = Offset(after)) < 0)
            return GraphError.InvalidParameter("Param after is not a valid cursor.").ToResult();

        var all = store.Of(wabaId);
        var page = all.Skip(start).Take(limit).ToList();
        var paging = new JsonObject
        {
            ["cursors"] = new JsonObject { ["before"] = Cursor(start), ["after"] = Cursor(start + page.Count) },
        };
        if (start + page.Count < all.Count)
        {
            var next = new Uri(GraphRoutes.BaseUrl(request, options.Value),
                $"{version}/{wabaId}/message_templates?fields={Uri.EscapeDataString(string.Join(',', fields))}&limit={limit}&after={Cursor(start + page.Count)}");
            paging["next"] = next.ToString();
        }
        return new GraphJson(new JsonObject
        {
            ["data"] = new JsonArray([.. page.Select(t => (JsonNode)t.Node(fields))]),
            ["paging"] = paging,
        });
    }

    /// <summary>An opaque cursor, as Meta's look: the position, base64.</summary>
    private static string Cursor(int position) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes("tpl:" + position.ToString(CultureInfo.InvariantCulture))).TrimEnd('=');

    private static int Offset(string cursor)
    {
        try
        {
            var text = Encoding.ASCII.GetString(Convert.FromBase64String(cursor.PadRight(cursor.Length + (4 - cursor.Length % 4) % 4, '=')));
            return text.StartsWith("tpl:", StringComparison.Ordinal)
                   && int.TryParse(text[4..], NumberStyles.None, CultureInfo.InvariantCulture, out var position) ? position : -1;
        }
        catch (FormatException)
        {
            return -1;
        }
    }
}
