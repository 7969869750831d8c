using System.Text.Json;
using System.Text.RegularExpressions;

namespace Inbox.CloudApiSimulator;

/// <summary>A send the validator accepted.</summary>
public sealed record OutboundRequest(
    string Type,
    string? To,
    string? WaId,
    string? Recipient,
    string? ContextMessageId,
    string? BizOpaqueCallbackData,
    string? TemplateName,
    string? TemplateLanguage = null,
    string? MediaId = null)
{
    public bool IsTemplate => Type == "template";
    public bool IsInteractive => Type == "interactive";
}

/// <summary>A mark-as-read (optionally with the typing indicator).</summary>
public sealed record ReadRequest(string MessageId, bool TypingIndicator);

/// <summary>
/// Checks a POST /messages body the way the Cloud API does: messaging_product, a recipient, a known type and the
/// fields and limits of that type (4,096 characters of text, ≤ 3 reply buttons, ≤ 10 list rows, …). The first
/// problem found is answered as error 100 with Meta's wording in error_data.details.
/// </summary>
public static partial class OutboundValidator
{
    public const int MaxTextLength = 4096;

    private static readonly HashSet<string> MessageTypes =
        ["text", "image", "audio", "video", "document", "sticker", "template", "reaction", "interactive", "location", "contacts"];

    private static readonly HashSet<string> InteractiveTypes =
    [
        "button", "list", "cta_url", "flow", "product", "product_list", "catalog_message", "location_request_message",
        "address_message", "call_permission_request",
    ];

    public static (OutboundRequest? Message, ReadRequest? Read, GraphError? Error) Validate(
        JsonElement body, Func<string, bool> mediaExists)
    {
        try
        {
            if (body.ValueKind != JsonValueKind.Object) throw Invalid("The request body must be a JSON object.");
            var product = OptionalString(body, "messaging_product", "messaging_product")
                ?? throw Missing("messaging_product");
            if (product != "whatsapp") throw Invalid("Param messaging_product must be 'whatsapp'.");

            if (body.TryGetProperty("status", out _)) return (null, ValidateRead(body), null);
            return (ValidateMessage(body, mediaExists), null, null);
        }
        catch (ValidationException ex)
        {
            return (null, null, ex.Error);
        }
    }

    private static ReadRequest ValidateRead(JsonElement body)
    {
        if (OptionalString(body, "status", "status") != "read") throw Invalid("Param status must be 'read'.");
        var messageId = OptionalString(body, "message_id", "message_id") ?? throw Missing("message_id");
        if (!messageId.StartsWith("wamid.", StringComparison.Ordinal)) throw Invalid("Param message_id is not a valid message id.");
        var typing = false;
        if (body.TryGetProperty("typing_indicator", out var indicator))
        {
            if (indicator.ValueKind != JsonValueKind.Object) throw Invalid("Param typing_indicator must be an object.");
            if (OptionalString(indicator, "type", "typing_indicator['type']") != "text")
                throw Invalid("Param typing_indicator['type'] must be 'text'.");
            typing = true;
        }
        return new ReadRequest(messageId, typing);
    }

    private static OutboundRequest ValidateMessage(JsonElement body, Func<string, bool> mediaExists)
    {
        if (OptionalString(body, "recipient_type", "recipient_type") is { } recipientType
            && recipientType is not ("individual" or "group"))
            throw Invalid("Param recipient_type must be one of {individual, group}.");

        var to = OptionalString(body, "to", "to");
        var recipient = OptionalString(body, "recipient", "recipient");
        string? waId = null;
        if (to is not null)
        {
            waId = PhoneSeparators().Replace(to, "");
            if (!Digits().IsMatch(waId)) throw Invalid("Param to must be a valid WhatsApp phone number.");
        }
        else if (recipient is null) throw Missing("to");

        var type = OptionalString(body, "type", "type") ?? "text";
        if (!MessageTypes.Contains(type))
            throw Invalid($"Param type must be one of {{{string.Join(", ", MessageTypes)}}}.");

        string? contextId = null;
        if (body.TryGetProperty("context", out var context))
        {
            if (type == "reaction") throw Invalid("Reaction messages cannot be sent as a reply (context is not allowed).");
            contextId = OptionalString(context, "message_id", "context['message_id']") ?? throw Missing("context['message_id']");
        }

        var opaque = OptionalString(body, "biz_opaque_callback_data", "biz_opaque_callback_data");
        if (opaque is { Length: > 512 }) throw Invalid("Param biz_opaque_callback_data must be at most 512 characters long.");

        var content = type == "contacts" ? Array(body, "contacts", "contacts") : Object(body, type, type);
        string? templateName = null, templateLanguage = null, mediaId = null;
        switch (type)
        {
            case "text":
                var text = RequiredString(content, "body", "text['body']");
                if (text.Length == 0) throw Missing("text['body']");
                if (text.EnumerateRunes().Count() > MaxTextLength)
                    throw Invalid($"Param text['body'] must be at most {MaxTextLength} characters long.");
                if (content.TryGetProperty("preview_url", out var preview) && preview.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    throw Invalid("Param text['preview_url'] must be a boolean.");
                break;
            case "image" or "audio" or "video" or "document" or "sticker":
                mediaId = ValidateMedia(type, content, mediaExists);
                break;
            case "template":
                (templateName, templateLanguage) = ValidateTemplate(content);
                break;
            case "reaction":
                var target = RequiredString(content, "message_id", "reaction['message_id']");
                if (!target.StartsWith("wamid.", StringComparison.Ordinal)) throw Invalid("Param reaction['message_id'] is not a valid message id.");
                if (!content.TryGetProperty("emoji", out var emoji) || emoji.ValueKind != JsonValueKind.String)
                    throw Missing("reaction['emoji']");
                break;
            case "interactive":
                ValidateInteractive(content);
                break;
            case "location":
                foreach (var coordinate in new[] { "latitude", "longitude" })
                    if (!content.TryGetProperty(coordinate, out var value)
                        || value.ValueKind is not (JsonValueKind.Number or JsonValueKind.String)
                        || !double.TryParse(value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText(),
                            System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _))
                        throw Missing($"location['{coordinate}']");
                break;
            case "contacts":
                if (content.GetArrayLength() == 0) throw Missing("contacts");
                var c = 0;
                foreach (var card in content.EnumerateArray())
                {
                    var path = $"contacts[{c++}]['name']";
                    RequiredString(Object(card, "name", path), "formatted_name", $"{path}['formatted_name']");
                }
                break;
        }
        return new OutboundRequest(type, to, waId, to is null ? recipient : null, contextId, opaque, templateName, templateLanguage, mediaId);
    }

    /// <summary>Returns the uploaded media id the message names (null when it names a link).</summary>
    private static string? ValidateMedia(string type, JsonElement media, Func<string, bool> mediaExists)
    {
        var id = OptionalString(media, "id", $"{type}['id']");
        var link = OptionalString(media, "link", $"{type}['link']");
        if ((id is null) == (link is null)) throw Invalid($"Param {type} must have exactly one of id or link.");
        if (link is not null && (!Uri.TryCreate(link, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            throw Invalid($"Param {type}['link'] must be a valid http or https URL.");
        if (id is not null && !mediaExists(id)) throw Invalid($"Param {type}['id'] is not a valid media id.");
        if (media.TryGetProperty("caption", out var caption))
        {
            if (type is "audio" or "sticker") throw Invalid($"Param {type}['caption'] is not allowed for {type} messages.");
            if (caption.ValueKind != JsonValueKind.String || caption.GetString()!.Length > 1024)
                throw Invalid($"Param {type}['caption'] must be a string of at most 1024 characters.");
        }
        if (media.TryGetProperty("filename", out _) && type != "document")
            throw Invalid($"Param {type}['filename'] is only allowed for documents.");
        return id;
    }

    private static (string Name, string Language) ValidateTemplate(JsonElement template)
    {
        var name = RequiredString(template, "name", "template['name']");
        if (!TemplateName().IsMatch(name)) throw Invalid("Param template['name'] must be lowercase letters, digits and underscores.");
        var language = Object(template, "language", "template['language']");
        var code = RequiredString(language, "code", "template['language']['code']");
        if (!template.TryGetProperty("components", out var components)) return (name, code);
        if (components.ValueKind != JsonValueKind.Array) throw Invalid("Param template['components'] must be an array.");
        var index = 0;
        foreach (var component in components.EnumerateArray())
        {
            var path = $"template['components'][{index++}]";
            var kind = RequiredString(component, "type", $"{path}['type']");
            if (kind is not ("header" or "body" or "footer" or "button" or "carousel" or "limited_time_offer"))
                throw Invalid($"Param {path}['type'] must be one of {{header, body, footer, button}}.");
            if (kind == "button")
            {
                RequiredString(component, "sub_type", $"{path}['sub_type']");
                if (!component.TryGetProperty("index", out var buttonIndex)
                    || buttonIndex.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
                    throw Missing($"{path}['index']");
            }
            if (component.TryGetProperty("parameters", out var parameters))
            {
                if (parameters.ValueKind != JsonValueKind.Array) throw Invalid($"Param {path}['parameters'] must be an array.");
                var p = 0;
                foreach (var parameter in parameters.EnumerateArray())
                    RequiredString(parameter, "type", $"{path}['parameters'][{p++}]['type']");
            }
        }
        return (name, code);
    }

    private static void ValidateInteractive(JsonElement interactive)
    {
        var kind = RequiredString(interactive, "type", "interactive['type']");
        if (!InteractiveTypes.Contains(kind))
            throw Invalid($"Param interactive['type'] must be one of {{{string.Join(", ", InteractiveTypes)}}}.");
        var action = Object(interactive, "action", "interactive['action']");
        if (kind is "button" or "list" or "cta_url" or "flow" or "location_request_message")
        {
            var body = Object(interactive, "body", "interactive['body']");
            var text = RequiredString(body, "text", "interactive['body']['text']");
            if (text.Length > 1024) throw Invalid("Param interactive['body']['text'] must be at most 1024 characters long.");
        }
        switch (kind)
        {
            case "button":
                var buttons = Array(action, "buttons", "interactive['action']['buttons']");
                if (buttons.GetArrayLength() is < 1 or > 3) throw Invalid("Param interactive['action']['buttons'] must have 1 to 3 buttons.");
                var ids = new HashSet<string>(StringComparer.Ordinal);
                var b = 0;
                foreach (var button in buttons.EnumerateArray())
                {
                    var path = $"interactive['action']['buttons'][{b++}]";
                    if (RequiredString(button, "type", $"{path}['type']") != "reply") throw Invalid($"Param {path}['type'] must be 'reply'.");
                    var reply = Object(button, "reply", $"{path}['reply']");
                    var id = RequiredString(reply, "id", $"{path}['reply']['id']");
                    var title = RequiredString(reply, "title", $"{path}['reply']['title']");
                    if (id.Length > 256) throw Invalid($"Param {path}['reply']['id'] must be at most 256 characters long.");
                    if (title.Length is 0 or > 20) throw Invalid($"Param {path}['reply']['title'] must be 1 to 20 characters long.");
                    if (!ids.Add(id)) throw Invalid("Buttons must have unique ids.");
                }
                break;
            case "list":
                var label = RequiredString(action, "button", "interactive['action']['button']");
                if (label.Length is 0 or > 20) throw Invalid("Param interactive['action']['button'] must be 1 to 20 characters long.");
                var sections = Array(action, "sections", "interactive['action']['sections']");
                if (sections.GetArrayLength() is < 1 or > 10) throw Invalid("Param interactive['action']['sections'] must have 1 to 10 sections.");
                var rows = 0;
                var s = 0;
                foreach (var section in sections.EnumerateArray())
                {
                    var path = $"interactive['action']['sections'][{s++}]";
                    if (sections.GetArrayLength() > 1) RequiredString(section, "title", $"{path}['title']");
                    var r = 0;
                    foreach (var row in Array(section, "rows", $"{path}['rows']").EnumerateArray())
                    {
                        var rowPath = $"{path}['rows'][{r++}]";
                        rows++;
                        if (RequiredString(row, "id", $"{rowPath}['id']").Length > 200) throw Invalid($"Param {rowPath}['id'] must be at most 200 characters long.");
                        if (RequiredString(row, "title", $"{rowPath}['title']").Length > 24) throw Invalid($"Param {rowPath}['title'] must be at most 24 characters long.");
                        if (OptionalString(row, "description", $"{rowPath}['description']") is { Length: > 72 })
                            throw Invalid($"Param {rowPath}['description'] must be at most 72 characters long.");
                    }
                }
                if (rows is < 1 or > 10) throw Invalid("A list message must have 1 to 10 rows in total.");
                break;
            case "cta_url":
                if (RequiredString(action, "name", "interactive['action']['name']") != "cta_url")
                    throw Invalid("Param interactive['action']['name'] must be 'cta_url'.");
                var parameters = Object(action, "parameters", "interactive['action']['parameters']");
                RequiredString(parameters, "display_text", "interactive['action']['parameters']['display_text']");
                RequiredString(parameters, "url", "interactive['action']['parameters']['url']");
                break;
        }
    }

    private static JsonElement Object(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var value)) throw Missing(path);
        if (value.ValueKind != JsonValueKind.Object) throw Invalid($"Param {path} must be an object.");
        return value;
    }

    private static JsonElement Array(JsonElement parent, string name, string path)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(name, out var value)) throw Missing(path);
        if (value.ValueKind != JsonValueKind.Array) throw Invalid($"Param {path} must be an array.");
        return value;
    }

    private static string RequiredString(JsonElement parent, string name, string path) =>
        OptionalString(parent, name, path) ?? throw Missing(path);

    private static string? OptionalString(JsonElement parent, string name, string path)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(name, out var value)
            || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != JsonValueKind.String) throw Invalid($"Param {path} must be a string.");
        return value.GetString();
    }

    private static ValidationException Missing(string path) => new(GraphError.MissingParameter(path));

    private static ValidationException Invalid(string details) => new(GraphError.InvalidParameter(details));

    [GeneratedRegex(@"[\s+\-().]")]
    private static partial Regex PhoneSeparators();

    [GeneratedRegex(@"^\d{5,15}$")]
    private static partial Regex Digits();

    [GeneratedRegex(@"^[a-z0-9_]{1,512}$")]
    private static partial Regex TemplateName();

    private sealed class ValidationException(GraphError error) : Exception(error.Details)
    {
        public GraphError Error { get; } = error;
    }
}
