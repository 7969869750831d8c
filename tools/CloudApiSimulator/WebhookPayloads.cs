using System.Globalization;
using System.Text.Json.Nodes;

namespace Inbox.CloudApiSimulator;

/// <summary>
/// One update for the webhook: a customer's message (with its contact) or a status of a send, for one number.
/// <paramref name="Tracked"/> is its entry in the delivery ledger.
/// </summary>
public sealed record WebhookUpdate(SimulatedNumber Number, bool IsStatus, JsonObject Item, JsonObject? Contact, DeliveryLedger.WebhookItem Tracked);

/// <summary>The documented webhook shapes, with keys in the order Meta writes them.</summary>
public static class WebhookPayloads
{
    /// <summary>
    /// {"object":"whatsapp_business_account","entry":[{"id":WABA,"changes":[{"value":{…},"field":"messages"}]}]}:
    /// one entry per WABA, one change per number and kind (messages and statuses never share a change).
    /// </summary>
    public static JsonObject Envelope(IEnumerable<WebhookUpdate> updates)
    {
        var entries = new JsonArray();
        foreach (var byWaba in updates.GroupBy(u => u.Number.WabaId))
        {
            var changes = new JsonArray();
            foreach (var group in byWaba.GroupBy(u => (u.Number.PhoneNumberId, u.IsStatus)))
            {
                var number = group.First().Number;
                var value = new JsonObject
                {
                    ["messaging_product"] = "whatsapp",
                    ["metadata"] = new JsonObject
                    {
                        ["display_phone_number"] = number.DisplayPhoneNumber,
                        ["phone_number_id"] = number.PhoneNumberId,
                    },
                };
                if (group.Key.IsStatus)
                {
                    value["statuses"] = new JsonArray(group.Select(u => (JsonNode)u.Item.DeepClone()).ToArray());
                }
                else
                {
                    value["contacts"] = new JsonArray(group.Where(u => u.Contact is not null)
                        .DistinctBy(u => u.Contact!["wa_id"]?.GetValue<string>())
                        .Select(u => (JsonNode)u.Contact!.DeepClone()).ToArray());
                    value["messages"] = new JsonArray(group.Select(u => (JsonNode)u.Item.DeepClone()).ToArray());
                }
                changes.Add(new JsonObject { ["value"] = value, ["field"] = "messages" });
            }
            entries.Add(new JsonObject { ["id"] = byWaba.Key, ["changes"] = changes });
        }
        return new JsonObject { ["object"] = "whatsapp_business_account", ["entry"] = entries };
    }

    /// <summary>contacts[] item of an inbound message: {"profile":{"name"},"wa_id","user_id"}.</summary>
    public static JsonObject Contact(Customer customer) => new()
    {
        ["profile"] = new JsonObject { ["name"] = customer.Name },
        ["wa_id"] = customer.WaId,
        ["user_id"] = customer.Bsuid,
    };

    /// <summary>
    /// statuses[] item: id, status, timestamp (a string), recipient_id, [recipient_user_id], [conversation],
    /// [pricing], [biz_opaque_callback_data], [errors].
    /// </summary>
    public static JsonObject Status(StatusFacts facts, string status, DateTimeOffset at, bool withPricing, int? errorCode)
    {
        var item = new JsonObject
        {
            ["id"] = facts.Wamid,
            ["status"] = status,
            ["timestamp"] = Timestamp(at),
        };
        if (facts.RecipientWaId is { } waId) item["recipient_id"] = waId;
        if (facts.RecipientUserId is { } userId) item["recipient_user_id"] = userId;
        if (errorCode is { } code)
        {
            if (facts.BizOpaqueCallbackData is { } opaqueData) item["biz_opaque_callback_data"] = opaqueData;
            item["errors"] = new JsonArray(GraphError.StatusError(code));
            return item;
        }
        if (facts.IncludeConversation)
        {
            var conversation = new JsonObject { ["id"] = facts.ConversationId };
            if (status == "sent") conversation["expiration_timestamp"] = Timestamp(at.AddHours(24));
            conversation["origin"] = new JsonObject { ["type"] = facts.Category };
            item["conversation"] = conversation;
        }
        if (withPricing)
            item["pricing"] = new JsonObject
            {
                ["billable"] = facts.PricingType == "regular",
                ["pricing_model"] = "PMP",
                ["category"] = facts.Category,
                ["type"] = facts.PricingType,
            };
        if (facts.BizOpaqueCallbackData is { } opaque) item["biz_opaque_callback_data"] = opaque;
        return item;
    }

    public static string Timestamp(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
}

/// <summary>What every status webhook of one send repeats.</summary>
public sealed record StatusFacts(
    string Wamid,
    string? RecipientWaId,
    string? RecipientUserId,
    string Category,
    string PricingType,
    bool IncludeConversation,
    string ConversationId,
    string? BizOpaqueCallbackData);
