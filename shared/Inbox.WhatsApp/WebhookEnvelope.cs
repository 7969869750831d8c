using System.Globalization;
using System.Text.Json;

namespace Inbox.WhatsApp;

/// <summary>One change of a webhook envelope: entry[].changes[] with the routing it carries.</summary>
/// <param name="EntryTime">entry.time, which some fields carry (template status updates): when Meta sent it.</param>
public sealed record WebhookChange(string? WabaId, string Field, string? PhoneNumberId, JsonElement Value, DateTimeOffset? EntryTime = null)
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
            var time = Json.UnixTime(entry, "time");
            foreach (var change in changes.EnumerateArray())
            {
                if (change.ValueKind != JsonValueKind.Object) continue;
                var value = change.TryGetProperty("value", out var v) ? v : default;
                var phoneNumberId = value.ValueKind == JsonValueKind.Object
                                    && value.TryGetProperty("metadata", out var metadata)
                    ? Json.String(metadata, "phone_number_id")
                    : null;
                yield return new WebhookChange(wabaId, Json.String(change, "field") ?? "", phoneNumberId, value, time);
            }
        }
    }
}

/// <summary>One item of a batch that cannot be used; the rest of the batch goes on.</summary>
public sealed class WebhookItemException(string message) : Exception(message);
