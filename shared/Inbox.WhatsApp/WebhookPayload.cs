using System.Globalization;
using System.Text.Json;

namespace Inbox.WhatsApp;

/// <summary>One change of a webhook envelope: entry[].changes[] with the routing it carries.</summary>
public sealed record WebhookChange(string? WabaId, string Field, string? PhoneNumberId, JsonElement Value)
{
    public IEnumerable<JsonElement> Messages => Items("messages");
    public IEnumerable<JsonElement> Statuses => Items("statuses");

    private IEnumerable<JsonElement> Items(string name) =>
        Value.ValueKind == JsonValueKind.Object && Value.TryGetProperty(name, out var items)
        && items.ValueKind == JsonValueKind.Array
            ? items.EnumerateArray()
            : [];
}

/// <summary>
/// Walks a webhook envelope tolerantly: every entry, every change (never just the first), skipping shapes it
/// does not know instead of failing the batch. Unknown fields are ignored.
/// </summary>
public static class WebhookEnvelope
{
    public static IEnumerable<WebhookChange> Changes(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("entry", out var entries)
            || entries.ValueKind != JsonValueKind.Array)
            yield break;

        foreach (var entry in entries.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty("changes", out var changes)
                || changes.ValueKind != JsonValueKind.Array)
                continue;
            var wabaId = Json.String(entry, "id");
            foreach (var change in changes.EnumerateArray())
            {
                if (change.ValueKind != JsonValueKind.Object) continue;
                var value = change.TryGetProperty("value", out var v) ? v : default;
                var phoneNumberId = value.ValueKind == JsonValueKind.Object
                                    && value.TryGetProperty("metadata", out var metadata)
                    ? Json.String(metadata, "phone_number_id")
                    : null;
                yield return new WebhookChange(wabaId, Json.String(change, "field") ?? "", phoneNumberId, value);
            }
        }
    }
}

/// <summary>A customer's message as Inbox stores it. Senders may have a phone (wa_id), a BSUID, or both.</summary>
public sealed record InboundMessage(
    string Wamid,
    string? WaId,
    string? Bsuid,
    string? ContactName,
    string Type,
    string? Text,
    DateTimeOffset SentAt,
    string RawJson)
{
    /// <summary>What the conversation list shows for it.</summary>
    public string Preview => Text is { Length: > 0 } text ? (text.Length > 200 ? text[..200] : text) : $"[{Type}]";

    /// <summary>Reads one messages[] item; throws <see cref="WebhookItemException"/> when it cannot be used.</summary>
    public static InboundMessage Parse(JsonElement message, JsonElement value)
    {
        var wamid = Json.String(message, "id") ?? throw new WebhookItemException("message without an id");
        var type = Json.String(message, "type") ?? throw new WebhookItemException("message without a type");
        var waId = Json.String(message, "from") is { Length: > 0 } from ? from : null;
        var bsuid = Json.String(message, "from_user_id") is { Length: > 0 } userId ? userId : null;
        if (waId is null && bsuid is null) throw new WebhookItemException("message without a sender");
        var contact = FindContact(value, waId, bsuid);
        waId ??= contact is { } c && Json.String(c, "wa_id") is { Length: > 0 } w ? w : null;
        var name = contact is { } found && found.TryGetProperty("profile", out var profile)
            ? Json.String(profile, "name")
            : null;
        var text = type == "text" && message.TryGetProperty("text", out var t) ? Json.String(t, "body") : null;
        return new InboundMessage(wamid, waId, bsuid, name, type, text,
            Json.UnixTime(message, "timestamp") ?? DateTimeOffset.UtcNow,
            Json.Sanitize(message.GetRawText()).Replace("\\u0000", "", StringComparison.Ordinal));
    }

    private static JsonElement? FindContact(JsonElement value, string? waId, string? bsuid)
    {
        if (!value.TryGetProperty("contacts", out var contacts) || contacts.ValueKind != JsonValueKind.Array)
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

/// <summary>One item of a batch that cannot be used; the rest of the batch goes on.</summary>
public sealed class WebhookItemException(string message) : Exception(message);

internal static class Json
{
    /// <summary>A string property, or a number's text (ids and timestamps are strings, but tolerate numbers).</summary>
    public static string? String(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value)) return null;
        return value.ValueKind switch
        {
            JsonValueKind.String => Sanitize(value.GetString()!),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
    }

    /// <summary>Unix seconds, sent as a string ("1749416383") or, by some fields, a number.</summary>
    public static DateTimeOffset? UnixTime(JsonElement element, string name) =>
        long.TryParse(String(element, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    /// <summary>PostgreSQL text cannot hold NUL; drop it rather than fail the item.</summary>
    public static string Sanitize(string text) =>
        text.Contains('\0', StringComparison.Ordinal) ? text.Replace("\0", "", StringComparison.Ordinal) : text;
}
