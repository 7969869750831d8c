using System.Globalization;
using System.Text.Json;

namespace Inbox.WhatsApp;

/// <summary>
/// A message_template_status_update change (routed by entry.id, the WABA): Meta approved, rejected, paused or
/// disabled one of the account's templates, named by id, name and language. <see cref="Status"/> is the status it
/// leaves the template in, or null when the event does not say (flagged, locked, unarchived, anything new): then
/// the account's templates are read again instead.
/// </summary>
/// <param name="Reason">Meta's reason code (INVALID_FORMAT, PROMOTIONAL, …); null for NONE.</param>
/// <param name="Detail">What Meta explains: a rejection's reason and recommendation, a pause's description, a disable date.</param>
/// <param name="At">
/// When Meta sent it: entry.time counts whole seconds, so the last instant of that second — a read of the templates
/// that began within that second may have missed the change, and does not undo it.
/// </param>
public sealed record TemplateStatusUpdate(
    string? TemplateId, string Name, string Language, string Event, string? Status, string? Reason, string? Detail,
    string? Category, DateTimeOffset? At)
{
    /// <summary>Events and the status they leave a template in.</summary>
    private static readonly Dictionary<string, string> Statuses = new(StringComparer.Ordinal)
    {
        ["APPROVED"] = "approved", ["REINSTATED"] = "approved", ["REJECTED"] = "rejected", ["PAUSED"] = "paused",
        ["DISABLED"] = "disabled", ["PENDING"] = "pending", ["IN_APPEAL"] = "in_appeal", ["PENDING_DELETION"] = "pending_deletion",
        ["DELETED"] = "deleted", ["ARCHIVED"] = "archived", ["LIMIT_EXCEEDED"] = "limit_exceeded",
    };

    public static TemplateStatusUpdate Parse(JsonElement value, DateTimeOffset? entryTime)
    {
        if (value.ValueKind != JsonValueKind.Object) throw new WebhookItemException("template status is not an object");
        var name = Json.String(value, "message_template_name") is { Length: > 0 } n ? n : throw new WebhookItemException("template status without a name");
        var language = Json.String(value, "message_template_language") is { Length: > 0 } l
            ? l.Replace('-', '_') // Meta's examples write en-US; templates are listed (and sent) as en_US
            : throw new WebhookItemException("template status without a language");
        var @event = Json.String(value, "event")?.ToUpperInvariant() is { Length: > 0 } e ? e : throw new WebhookItemException("template status without an event");
        var reason = Json.String(value, "reason") is { Length: > 0 } r && r != "NONE" ? r : null;

        var detail = new List<string>();
        if (Json.Object(value, "rejection_info") is { } rejection)
            detail.AddRange(new[] { Json.String(rejection, "reason"), Json.String(rejection, "recommendation") }.OfType<string>());
        if (Json.Object(value, "other_info") is { } other)
            detail.AddRange(new[] { Json.String(other, "title"), Json.String(other, "description") }.OfType<string>());
        if (Json.Object(value, "disable_info") is { } disable && Json.UnixTime(disable, "disable_date") is { } disabledOn)
            detail.Add($"Disabled on {disabledOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}.");

        return new TemplateStatusUpdate(Json.String(value, "message_template_id"), name, language, @event, Statuses.GetValueOrDefault(@event),
            reason, detail.Count > 0 ? string.Join(" ", detail) : null, Json.String(value, "message_template_category")?.ToLowerInvariant(),
            entryTime?.AddMilliseconds(999));
    }
}
