using System.Text.Json;
using System.Text.Json.Nodes;
using Inbox.WhatsApp;

namespace Inbox.CloudApiSimulator;

/// <summary>
/// Customers writing to business numbers: each message opens (or restarts) that chat's 24-hour window, is
/// tracked in the delivery ledger and goes out as a signed webhook. Also delivers payloads given whole to the
/// control API, with the same bookkeeping.
/// </summary>
public sealed class InboundTraffic(
    CustomerMessages messages,
    Chats chats,
    DeliveryLedger ledger,
    WebhookDispatcher dispatcher,
    TimeProvider clock)
{
    public const string CustomerPrefix = "1555";

    private static readonly string[] Names =
    [
        "María José Fernández", "Jonas Müller", "Priya Sharma", "Chloé Martin", "Kenji Tanaka", "Søren Nørgaard",
        "Zoë O'Brien", "Ahmed Al-Farsi", "Li Wei 李伟", "Ana Sofía Pérez", "Olusegun Adeyemi", "Emma Johansson",
    ];

    /// <summary>The i-th simulated customer: stable phone, BSUID and name.</summary>
    public static Customer GeneratedCustomer(int index)
    {
        var waId = CustomerPrefix + (2_000_000 + index % 7_000_000).ToString("D7", System.Globalization.CultureInfo.InvariantCulture);
        var name = Names[index % Names.Length] + (index >= Names.Length ? $" {index / Names.Length + 1}" : "");
        return new Customer(waId, Ids.BsuidFor(waId), name);
    }

    /// <summary>A customer sends one message of <paramref name="type"/>; returns its wamid and the type it became.</summary>
    public (string Wamid, string Type) Send(SimulatedNumber number, Customer customer, string type, string? text = null)
    {
        chats.Remember(customer);
        var message = messages.Create(number, customer, type, text);
        var wamid = message["id"]!.GetValue<string>();
        var actualType = message["type"]!.GetValue<string>();
        chats.RecordInbound(number.PhoneNumberId, customer.WaId, wamid, clock.GetUtcNow());
        var tracked = ledger.Track("message", wamid, null, number.PhoneNumberId, customer.WaId, actualType);
        dispatcher.Enqueue(new WebhookUpdate(number, IsStatus: false, message, WebhookPayloads.Contact(customer), tracked));
        return (wamid, actualType);
    }

    /// <summary>
    /// Delivers a whole payload: re-encoded the way Meta encodes JSON (or byte for byte when <paramref name="verbatim"/>),
    /// signed, retried like every webhook. Its messages open windows and, with its statuses, go into the ledger.
    /// </summary>
    public (IReadOnlyList<string> Ids, Task<DeliveryResult> Delivery) Inject(byte[] body, bool verbatim, CancellationToken cancellationToken)
    {
        using var document = JsonDocument.Parse(body);
        var tracked = new List<DeliveryLedger.WebhookItem>();
        foreach (var change in WebhookEnvelope.Changes(document.RootElement))
        {
            var phoneNumberId = change.PhoneNumberId ?? "";
            foreach (var message in change.Messages)
            {
                if (Text(message, "id") is not { } wamid) continue;
                var from = Text(message, "from");
                if (from is not null)
                {
                    var at = long.TryParse(Text(message, "timestamp"), out var seconds)
                        ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                        : clock.GetUtcNow();
                    chats.RecordInbound(phoneNumberId, from, wamid, at);
                }
                tracked.Add(ledger.Track("message", wamid, null, phoneNumberId, from ?? Text(message, "from_user_id"), Text(message, "type")));
            }
            foreach (var status in change.Statuses)
                if (Text(status, "id") is { } wamid)
                    tracked.Add(ledger.Track("status", wamid, Text(status, "status"), phoneNumberId, Text(status, "recipient_id"), null));
        }
        var bytes = verbatim ? body : MetaJson.Encode(document.RootElement);
        return (tracked.Select(t => t.Id).Distinct().ToList(), dispatcher.DeliverAsync(bytes, tracked, cancellationToken));
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.ValueKind == JsonValueKind.Number ? value.GetRawText() : null
            : null;
}
