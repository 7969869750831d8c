using System.Text.Json;
using System.Text.RegularExpressions;

namespace Inbox.WhatsApp;

/// <summary>A button of a template as Meta defines it; <see cref="Parameter"/> is what a send must give for it, if anything.</summary>
/// <param name="Index">Its position among the template's buttons: what a send's button component names as "index".</param>
/// <param name="Type">QUICK_REPLY, URL, PHONE_NUMBER, COPY_CODE, FLOW, …</param>
/// <param name="Parameter">"text" (the suffix of a dynamic URL), "coupon_code" (COPY_CODE), or null: nothing is needed.</param>
public sealed record TemplateButton(int Index, string Type, string Text, string? Url, string? Parameter);

/// <summary>
/// A WhatsApp template as Meta defines it (GET /{waba-id}/message_templates: components HEADER, BODY, FOOTER,
/// BUTTONS, with {{1}} or {{name}} placeholders), and what a send of it must carry: Meta's send components (lower-case
/// "header", "body", "button" with their parameters). The Api checks a send with it before anything is queued, so an
/// agent learns at once what Meta would only refuse later (132000), and renders the text the thread shows.
/// </summary>
public sealed partial class TemplateDefinition
{
    /// <summary>The header's format: TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION; null without a header.</summary>
    public string? HeaderFormat { get; private init; }
    public string? HeaderText { get; private init; }
    public string Body { get; private init; } = "";
    public string? Footer { get; private init; }
    public IReadOnlyList<TemplateButton> Buttons { get; private init; } = [];

    /// <summary>The header's placeholders ({{1}} or {{name}}); Meta allows at most one.</summary>
    public IReadOnlyList<string> HeaderParameters { get; private init; } = [];

    /// <summary>The body's distinct placeholders, in order of first use: one parameter each.</summary>
    public IReadOnlyList<string> BodyParameters { get; private init; } = [];

    /// <summary>Parameters go by name (parameter_format NAMED, {{first_name}}) rather than by position ({{1}}).</summary>
    public bool NamedParameters { get; private init; }

    public static readonly string[] MediaFormats = ["IMAGE", "VIDEO", "DOCUMENT"];

    /// <summary>Reads Meta's definition tolerantly: an unknown component or button type is kept out of the way, not fatal.</summary>
    public static TemplateDefinition Parse(JsonElement? components, string? parameterFormat = null)
    {
        string? headerFormat = null, headerText = null, footer = null;
        var body = "";
        var buttons = new List<TemplateButton>();
        if (components is { ValueKind: JsonValueKind.Array } array)
        {
            foreach (var component in array.EnumerateArray())
            {
                switch (Json.String(component, "type")?.ToUpperInvariant())
                {
                    case "HEADER":
                        headerFormat = Json.String(component, "format")?.ToUpperInvariant() ?? "TEXT";
                        headerText = headerFormat == "TEXT" ? Json.String(component, "text") ?? "" : null;
                        break;
                    case "BODY":
                        body = Json.String(component, "text") ?? "";
                        break;
                    case "FOOTER":
                        footer = Json.String(component, "text");
                        break;
                    case "BUTTONS" when component.TryGetProperty("buttons", out var list) && list.ValueKind == JsonValueKind.Array:
                        foreach (var button in list.EnumerateArray())
                        {
                            var type = Json.String(button, "type")?.ToUpperInvariant() ?? "";
                            var url = Json.String(button, "url");
                            var parameter = type switch
                            {
                                "URL" when url is not null && Placeholder().IsMatch(url) => "text",
                                "COPY_CODE" => "coupon_code",
                                _ => null,
                            };
                            buttons.Add(new TemplateButton(buttons.Count, type, Json.String(button, "text") ?? "", url, parameter));
                        }
                        break;
                }
            }
        }
        var bodyParameters = Placeholders(body);
        return new TemplateDefinition
        {
            HeaderFormat = headerFormat,
            HeaderText = headerText,
            Body = body,
            Footer = footer,
            Buttons = buttons,
            HeaderParameters = headerText is null ? [] : Placeholders(headerText),
            BodyParameters = bodyParameters,
            NamedParameters = string.Equals(parameterFormat, "NAMED", StringComparison.OrdinalIgnoreCase)
                              || bodyParameters.Any(p => !Key(p).All(char.IsAsciiDigit)),
        };
    }

    /// <summary>
    /// What is wrong with a send's components for this template (empty: nothing). Each problem names what to fix:
    /// the header's text or media, the body's parameters (as many as placeholders, by name when the template names
    /// them), and a parameter for each button that needs one (a dynamic URL's suffix, a coupon code).
    /// </summary>
    public IReadOnlyList<string> Check(JsonElement? send)
    {
        var problems = new List<string>();
        var given = SendComponents.Read(send, problems);

        var header = given.Header;
        switch (HeaderFormat)
        {
            case null or "TEXT" when HeaderParameters.Count == 0:
                if (header is { Count: > 0 }) problems.Add("The template's header takes no parameters.");
                break;
            case "TEXT":
                if (header is not [{ } text] || Text(text) is not { Length: > 0 })
                    problems.Add($"The header's text takes one text parameter ({HeaderParameters[0]}).");
                break;
            case "IMAGE" or "VIDEO" or "DOCUMENT":
                var kind = HeaderFormat.ToLowerInvariant();
                if (header is not [{ } media] || Json.String(media, "type") != kind || Json.Object(media, kind) is not { } file
                    || !(Json.String(file, "id") is { Length: > 0 } || IsHttpUrl(Json.String(file, "link"))))
                    problems.Add($"The header is {Article(kind)} {kind}: give one {kind} parameter with an http(s) link or a media id.");
                break;
            case "LOCATION":
                if (header is not [{ } place] || Json.Object(place, "location") is not { } location
                    || Json.Number(location, "latitude") is null || Json.Number(location, "longitude") is null)
                    problems.Add("The header is a location: give one location parameter with latitude and longitude.");
                break;
        }

        var body = given.Body ?? [];
        if (body.Count != BodyParameters.Count)
            problems.Add($"The template's body takes {BodyParameters.Count} parameters; {body.Count} were given.");
        else if (NamedParameters)
        {
            var names = body.Select(p => Json.String(p, "parameter_name")).ToList();
            foreach (var missing in BodyParameters.Where(p => !names.Contains(Key(p))))
                problems.Add($"The body's parameter {missing} is missing (named parameters need their parameter_name).");
        }
        if (body.Any(p => Text(p) is not { Length: > 0 }))
            problems.Add("Every body parameter needs a value (text, or a currency's or date's fallback_value).");

        foreach (var (index, parameters) in given.Buttons)
        {
            if (index < 0 || index >= Buttons.Count)
            {
                problems.Add($"The template has no button {index}.");
                continue;
            }
            var button = Buttons[index];
            if (button.Parameter is null && button.Type != "QUICK_REPLY" && parameters.Count > 0)
                problems.Add($"Button {index} ({button.Text}) takes no parameter.");
        }
        foreach (var button in Buttons.Where(b => b.Parameter is not null))
        {
            var parameters = given.Buttons.GetValueOrDefault(button.Index) ?? [];
            var value = button.Parameter == "coupon_code"
                ? parameters.Select(p => Json.String(p, "coupon_code")).FirstOrDefault()
                : parameters.Select(Text).FirstOrDefault();
            if (parameters.Count != 1 || value is not { Length: > 0 })
                problems.Add(button.Parameter == "coupon_code"
                    ? $"Button {button.Index} ({button.Text}) copies a code: give one coupon_code parameter."
                    : $"Button {button.Index} ({button.Text}) opens {button.Url}: give the URL's ending as one text parameter.");
        }
        return problems;
    }

    /// <summary>The text a customer reads: header text, body and footer with the send's parameters in place.</summary>
    public string Render(JsonElement? send)
    {
        var given = SendComponents.Read(send, []);
        var lines = new List<string>();
        if (HeaderText is { Length: > 0 } header) lines.Add(Fill(header, HeaderParameters, given.Header ?? []));
        lines.Add(Fill(Body, BodyParameters, given.Body ?? []));
        if (Footer is { Length: > 0 } footer) lines.Add(footer);
        return string.Join("\n", lines.Where(l => l.Length > 0));
    }

    /// <summary>The media link of a send's image, video or document header, for the agent's own copy of the message.</summary>
    public string? HeaderLink(JsonElement? send)
    {
        if (HeaderFormat is null || !MediaFormats.Contains(HeaderFormat)) return null;
        var kind = HeaderFormat.ToLowerInvariant();
        return SendComponents.Read(send, []).Header is [{ } media] && Json.Object(media, kind) is { } file ? Json.String(file, "link") : null;
    }

    /// <summary>Placeholders replaced by position ({{1}} is the first parameter) or by parameter_name.</summary>
    private static string Fill(string text, IReadOnlyList<string> placeholders, IReadOnlyList<JsonElement> parameters) =>
        Placeholder().Replace(text, match =>
        {
            var key = Key(match.Value);
            var named = parameters.FirstOrDefault(p => Json.String(p, "parameter_name") == key);
            if (named.ValueKind == JsonValueKind.Object) return Text(named) ?? match.Value;
            var position = int.TryParse(key, out var n) ? n - 1 : placeholders.ToList().IndexOf(match.Value);
            return position >= 0 && position < parameters.Count ? Text(parameters[position]) ?? match.Value : match.Value;
        });

    /// <summary>A text parameter's text, or a currency's or date's fallback_value.</summary>
    private static string? Text(JsonElement parameter) =>
        Json.String(parameter, "text")
        ?? (Json.Object(parameter, "currency") is { } currency ? Json.String(currency, "fallback_value") : null)
        ?? (Json.Object(parameter, "date_time") is { } date ? Json.String(date, "fallback_value") : null)
        ?? Json.String(parameter, "payload");

    private static List<string> Placeholders(string text) => Placeholder().Matches(text).Select(m => m.Value).Distinct().ToList();

    private static string Key(string placeholder) => placeholder.Trim('{', '}', ' ');

    private static bool IsHttpUrl(string? link) =>
        Uri.TryCreate(link, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http";

    private static string Article(string word) => word[0] is 'i' or 'a' or 'e' or 'o' or 'u' ? "an" : "a";

    [GeneratedRegex(@"\{\{\s*[A-Za-z0-9_]+\s*\}\}")]
    private static partial Regex Placeholder();

    /// <summary>A send's components by kind: header and body parameters, and each button's parameters by its index.</summary>
    private sealed record SendComponents(List<JsonElement>? Header, List<JsonElement>? Body, Dictionary<int, List<JsonElement>> Buttons)
    {
        public static SendComponents Read(JsonElement? send, List<string> problems)
        {
            List<JsonElement>? header = null, body = null;
            var buttons = new Dictionary<int, List<JsonElement>>();
            if (send is not { ValueKind: JsonValueKind.Array } array) return new(header, body, buttons);
            foreach (var component in array.EnumerateArray())
            {
                var parameters = component.ValueKind == JsonValueKind.Object && component.TryGetProperty("parameters", out var p)
                                 && p.ValueKind == JsonValueKind.Array
                    ? p.EnumerateArray().ToList()
                    : [];
                switch (Json.String(component, "type")?.ToLowerInvariant())
                {
                    case "header" when header is null: header = parameters; break;
                    case "body" when body is null: body = parameters; break;
                    case "button" when int.TryParse(Json.String(component, "index"), out var index) && !buttons.ContainsKey(index):
                        buttons[index] = parameters;
                        break;
                    case var type:
                        problems.Add(type is "header" or "body" or "button"
                            ? $"A {type} component is given twice (or a button without its index)."
                            : $"Unknown component type '{type}': header, body or button.");
                        break;
                }
            }
            return new(header, body, buttons);
        }
    }
}
