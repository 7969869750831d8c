using System.Text.Json;

namespace Inbox.WhatsApp;

/// <summary>One statuses[] item: what became of a message the business sent. CallbackData echoes the send's
/// biz_opaque_callback_data (Inbox's message id).</summary>
public sealed record StatusUpdate(
    string Wamid, string Status, DateTimeOffset At, int? ErrorCode, string? ErrorTitle, string? ErrorDetails,
    string? PricingCategory, string? CallbackData = null)
{
    public static readonly string[] Known = ["sent", "delivered", "read", "played", "failed"];

    public static StatusUpdate Parse(JsonElement status)
    {
        if (status.ValueKind != JsonValueKind.Object) throw new WebhookItemException("status is not an object");
        var wamid = Json.String(status, "id") is { Length: > 0 } id ? id : throw new WebhookItemException("status without an id");
        var value = Json.String(status, "status") ?? throw new WebhookItemException("status without a status");
        if (!Known.Contains(value)) throw new WebhookItemException($"unknown status '{value}'");
        var at = Json.UnixTime(status, "timestamp") ?? throw new WebhookItemException("status without a timestamp");

        int? code = null;
        string? title = null, details = null;
        if (status.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0)
        {
            var error = errors[0];
            code = int.TryParse(Json.String(error, "code"), out var c) ? c : null;
            title = Json.String(error, "title") ?? Json.String(error, "message");
            details = Json.Object(error, "error_data") is { } data ? Json.String(data, "details") : Json.String(error, "message");
        }
        var pricing = Json.Object(status, "pricing") is { } p ? Json.String(p, "category") : null;
        return new StatusUpdate(wamid, value, at, code, title, details, pricing, Json.String(status, "biz_opaque_callback_data"));
    }
}
