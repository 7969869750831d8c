using System.Globalization;
using System.Text.Json.Nodes;

namespace Inbox.CloudApiSimulator;

/// <summary>
/// Meta's message_template_status_update webhook for a template whose status changed: one entry for its account
/// (entry.id, with entry.time), the event (APPROVED, REJECTED, PAUSED, DISABLED, …), the template's id (a JSON number),
/// name, language, reason and category, and the event's own details — rejection_info for a rejection explained,
/// other_info for a pause, disable_info for a disable. Signed and retried like every webhook, and kept in the
/// delivery ledger (kind "template").
/// </summary>
public sealed class TemplateWebhooks(WebhookDispatcher dispatcher, DeliveryLedger ledger, TimeProvider clock)
{
    /// <summary>Delivers the status change; completes when it was acknowledged or given up.</summary>
    public Task<DeliveryResult> SendAsync(SimulatedTemplate template, string? detail, string? recommendation, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var value = new JsonObject
        {
            ["event"] = template.Status,
            ["message_template_id"] = long.Parse(template.Id, CultureInfo.InvariantCulture),
            ["message_template_name"] = template.Name,
            ["message_template_language"] = template.Language,
            ["reason"] = template.Status == "REJECTED" ? template.RejectedReason : "NONE",
            ["message_template_category"] = template.Category,
        };
        switch (template.Status)
        {
            case "REJECTED" when detail is not null:
                value["rejection_info"] = new JsonObject { ["reason"] = detail, ["recommendation"] = recommendation ?? "" };
                break;
            case "PAUSED":
                value["other_info"] = new JsonObject
                {
                    ["title"] = "FIRST_PAUSE",
                    ["description"] = detail ?? "Your WhatsApp message template has been paused because of low quality.",
                };
                break;
            case "DISABLED":
                value["disable_info"] = new JsonObject { ["disable_date"] = now.ToUnixTimeSeconds() };
                break;
        }
        var envelope = new JsonObject
        {
            ["entry"] = new JsonArray(new JsonObject
            {
                ["id"] = template.WabaId,
                ["time"] = now.ToUnixTimeSeconds(),
                ["changes"] = new JsonArray(new JsonObject { ["value"] = value, ["field"] = "message_template_status_update" }),
            }),
            ["object"] = "whatsapp_business_account",
        };
        var tracked = ledger.Track("template", template.Id, template.Status, "", null, template.Name);
        return dispatcher.DeliverAsync(MetaJson.Encode(envelope), [tracked], cancellationToken);
    }
}
