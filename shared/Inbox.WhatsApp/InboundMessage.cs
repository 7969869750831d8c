using System.Text.Json;
using System.Text.Json.Nodes;

namespace Inbox.WhatsApp;

/// <summary>A media attachment as announced by the webhook; the bytes are fetched later through the Graph API.</summary>
public sealed record InboundMedia(string Id, string? MimeType, string? Sha256, string? Filename);

/// <summary>A reaction to an earlier message; a null emoji removes it.</summary>
public sealed record InboundReaction(string TargetWamid, string? Emoji);

/// <summary>
/// A customer's message as Inbox stores it, for every type Meta sends (unknown future types are kept too, as
/// placeholders). Senders may have a phone (wa_id), a business-scoped user id (BSUID), or both.
/// </summary>
public sealed record InboundMessage(
    string Wamid,
    string? WaId,
    string? Bsuid,
    string? ContactName,
    string Type,
    string? Text,
    JsonObject? Content,
    DateTimeOffset SentAt,
    string RawJson,
    string? ReplyToWamid,
    string? Forwarded,
    string? Referral,
    InboundMedia? Media,
    InboundReaction? Reaction,
    string? NewWaId)
{
    public static readonly string[] MediaTypes = ["image", "audio", "video", "document", "sticker"];

    /// <summary>Whatever a customer sends opens (or renews) the 24-hour window; a system notice does not.</summary>
    public bool OpensWindow => Type != "system";

    /// <summary>What the conversation list shows for it.</summary>
    public string Preview => Type switch
    {
        "text" => Clip(Text ?? ""),
        "image" => Labelled("📷 Photo"),
        "video" => Labelled("🎥 Video"),
        "audio" => Content?["voice"]?.GetValue<bool>() == true ? "🎤 Voice message" : "🎵 Audio",
        "document" => Labelled("📄 " + (Media?.Filename ?? "Document")),
        "sticker" => "Sticker",
        "location" => "📍 " + (Text ?? "Location"),
        "contacts" => "👤 " + (Text ?? "Contact"),
        "interactive" or "button" => Clip(Text ?? "Reply"),
        "order" => "🛒 Order",
        "system" => Clip(Text ?? "System message"),
        "request_welcome" => "Opened the chat",
        _ => "Unsupported message",
    };

    private string Labelled(string label) => string.IsNullOrEmpty(Text) ? label : $"{label}: {Clip(Text)}";

    private static string Clip(string text) => text.Length > 200 ? text[..200] : text;

    /// <summary>Reads one messages[] item; throws <see cref="WebhookItemException"/> when it cannot be used.</summary>
    public static InboundMessage Parse(JsonElement message, JsonElement value)
    {
        if (message.ValueKind != JsonValueKind.Object) throw new WebhookItemException("message is not an object");
        var wamid = Json.String(message, "id") is { Length: > 0 } id ? id : throw new WebhookItemException("message without an id");
        var type = Json.String(message, "type") ?? throw new WebhookItemException("message without a type");
        var waId = Json.String(message, "from") is { Length: > 0 } from ? from : null;
        var bsuid = Json.String(message, "from_user_id") is { Length: > 0 } userId ? userId : null;
        var contact = FindContact(value, waId, bsuid);
        if (type == "system" && waId is null && bsuid is null && Json.Object(message, "system") is { } sys)
        {
            // A number change carries no contacts array; the system object names the customer.
            waId = Json.String(sys, "customer") ?? null;
            bsuid = Json.String(sys, "user_id");
        }
        waId ??= contact is { } c && Json.String(c, "wa_id") is { Length: > 0 } w ? w : null;
        if (waId is null && bsuid is null) throw new WebhookItemException("message without a sender");
        var name = contact is { } found && Json.Object(found, "profile") is { } profile ? Json.String(profile, "name") : null;

        var body = Json.Object(message, type);
        var (text, content, media, reaction, newWaId) = ReadBody(type, body ?? default, message);
        var context = Json.Object(message, "context");
        var forwarded = context is { } ctx
            ? Json.Bool(ctx, "frequently_forwarded") ? "frequently_forwarded" : Json.Bool(ctx, "forwarded") ? "forwarded" : null
            : null;

        return new InboundMessage(
            wamid, waId, bsuid, name, type, text, content,
            Json.UnixTime(message, "timestamp") ?? DateTimeOffset.UtcNow,
            Json.SanitizeRaw(message.GetRawText()),
            context is { } replyContext ? Json.String(replyContext, "id") : null,
            forwarded,
            Json.Object(message, "referral") is { } referral ? Json.SanitizeRaw(referral.GetRawText()) : null,
            media, reaction, newWaId);
    }

    private static (string? Text, JsonObject? Content, InboundMedia? Media, InboundReaction? Reaction, string? NewWaId)
        ReadBody(string type, JsonElement body, JsonElement message)
    {
        var hasBody = body.ValueKind == JsonValueKind.Object;
        switch (type)
        {
            case "text":
                return (hasBody ? Json.String(body, "body") : null, null, null, null, null);
            case "image" or "audio" or "video" or "document" or "sticker":
                var mediaId = hasBody ? Json.String(body, "id") : null;
                var media = mediaId is null ? null : new InboundMedia(mediaId, Json.String(body, "mime_type"),
                    Json.String(body, "sha256"), Json.String(body, "filename"));
                var content = new JsonObject();
                if (type == "audio") content["voice"] = Json.Bool(body, "voice");
                if (type == "sticker") content["animated"] = Json.Bool(body, "animated");
                if (media is null) content["error"] = "The media id is missing.";
                return (hasBody ? Json.String(body, "caption") : null, content, media, null, null);
            case "location":
                var name = hasBody ? Json.String(body, "name") : null;
                var address = hasBody ? Json.String(body, "address") : null;
                return (string.Join(", ", new[] { name, address }.Where(s => !string.IsNullOrEmpty(s))) is { Length: > 0 } place ? place : null,
                    new JsonObject
                    {
                        ["latitude"] = hasBody ? Json.Number(body, "latitude") : null,
                        ["longitude"] = hasBody ? Json.Number(body, "longitude") : null,
                        ["name"] = name,
                        ["address"] = address,
                        ["url"] = hasBody ? Json.String(body, "url") : null,
                    }, null, null, null);
            case "contacts":
                var cards = message.TryGetProperty("contacts", out var list) && list.ValueKind == JsonValueKind.Array ? list : default;
                var names = cards.ValueKind == JsonValueKind.Array
                    ? cards.EnumerateArray().Select(card => Json.Object(card, "name") is { } n ? Json.String(n, "formatted_name") : null)
                        .Where(n => n is not null).ToList()
                    : [];
                return (names.Count > 0 ? string.Join(", ", names) : null,
                    new JsonObject { ["contacts"] = cards.ValueKind == JsonValueKind.Array ? Node(cards) : null }, null, null, null);
            case "interactive":
                var kind = hasBody ? Json.String(body, "type") : null;
                var reply = kind is not null && hasBody ? Json.Object(body, kind) : null;
                return (reply is { } r ? Json.String(r, "title") ?? Json.String(r, "body") : null,
                    new JsonObject
                    {
                        ["kind"] = kind,
                        ["id"] = reply is { } r1 ? Json.String(r1, "id") : null,
                        ["title"] = reply is { } r2 ? Json.String(r2, "title") : null,
                        ["description"] = reply is { } r3 ? Json.String(r3, "description") : null,
                        ["name"] = reply is { } r4 ? Json.String(r4, "name") : null,
                        ["body"] = reply is { } r5 ? Json.String(r5, "body") : null,
                        ["responseJson"] = reply is { } r6 ? Json.String(r6, "response_json") : null,
                    }, null, null, null);
            case "button":
                return (hasBody ? Json.String(body, "text") : null,
                    new JsonObject { ["payload"] = hasBody ? Json.String(body, "payload") : null, ["text"] = hasBody ? Json.String(body, "text") : null },
                    null, null, null);
            case "reaction":
                var target = hasBody ? Json.String(body, "message_id") : null;
                if (string.IsNullOrEmpty(target)) throw new WebhookItemException("reaction without a target message_id");
                var emoji = Json.String(body, "emoji") is { Length: > 0 } e ? e : null; // omitted or "" removes it
                return (emoji, null, null, new InboundReaction(target, emoji), null);
            case "order":
                return (hasBody ? Json.String(body, "text") : null, hasBody ? Node(body) : null, null, null, null);
            case "system":
                var systemType = hasBody ? Json.String(body, "type") : null;
                var newWaId = systemType is "user_changed_number" or "customer_changed_number"
                    ? Json.String(body, "wa_id") ?? Json.String(body, "new_wa_id")
                    : null;
                return (hasBody ? Json.String(body, "body") : null,
                    new JsonObject
                    {
                        ["systemType"] = systemType,
                        ["newWaId"] = newWaId,
                        ["userId"] = hasBody ? Json.String(body, "user_id") : null,
                    }, null, null, newWaId);
            case "request_welcome":
                return (null, null, null, null, null);
            default:
                // unsupported, unknown and types Meta adds later: kept with their error, shown as a placeholder.
                var errors = message.TryGetProperty("errors", out var errs) ? Node(errs) : null;
                var unsupportedType = Json.Object(message, "unsupported") is { } u ? Json.String(u, "type") : null;
                return (null, new JsonObject { ["errors"] = errors, ["unsupportedType"] = unsupportedType, ["originalType"] = type },
                    null, null, null);
        }
    }

    private static JsonObject? Node(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object ? JsonNode.Parse(Json.SanitizeRaw(element.GetRawText())) as JsonObject
        : element.ValueKind == JsonValueKind.Array ? new JsonObject { ["items"] = JsonNode.Parse(Json.SanitizeRaw(element.GetRawText())) }
        : null;

    private static JsonElement? FindContact(JsonElement value, string? waId, string? bsuid)
    {
        if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty("contacts", out var contacts)
            || contacts.ValueKind != JsonValueKind.Array)
            return null;
        JsonElement? only = contacts.GetArrayLength() == 1 ? contacts[0] : null;
        foreach (var contact in contacts.EnumerateArray())
        {
            if (contact.ValueKind != JsonValueKind.Object) continue;
            if ((waId is not null && Json.String(contact, "wa_id") == waId)
                || (bsuid is not null && Json.String(contact, "user_id") == bsuid))
                return contact;
        }
        return only;
    }
}
