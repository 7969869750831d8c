using System.Text;
using System.Text.Json;
using Inbox.WhatsApp;

namespace Inbox.Tests.Integration.Infrastructure;

public sealed record TextItem(string From, string Name, string Wamid, string Body, long Timestamp = 1_763_780_000);

/// <summary>Builds webhook envelopes in the documented shape and posts them signed, as Meta does.</summary>
public static class Webhooks
{
    /// <summary>A unique wamid made of characters JSON never escapes, so tests can find it in the raw ledger bytes.</summary>
    public static string NewWamid() => "wamid.HBgL" + Guid.NewGuid().ToString("N").ToUpperInvariant();

    /// <summary>One change of field "messages" for a number, with its contacts and text messages.</summary>
    public static object TextChange(string phoneNumberId, params TextItem[] items) => new
    {
        field = "messages",
        value = new
        {
            messaging_product = "whatsapp",
            metadata = new { display_phone_number = "15550001111", phone_number_id = phoneNumberId },
            contacts = items.DistinctBy(i => i.From).Select(i => new { profile = new { name = i.Name }, wa_id = i.From }),
            messages = items.Select(i => new
            {
                from = i.From,
                id = i.Wamid,
                timestamp = i.Timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture),
                type = "text",
                text = new { body = i.Body },
            }),
        },
    };

    /// <summary>One change of field "messages" carrying a status of an outbound message (as Meta reports it).</summary>
    public static object StatusChange(string phoneNumberId, string wamid, string status, string? callbackData, long? timestamp = null) => new
    {
        field = "messages",
        value = new
        {
            messaging_product = "whatsapp",
            metadata = new { display_phone_number = "15550001111", phone_number_id = phoneNumberId },
            statuses = new[]
            {
                new
                {
                    id = wamid,
                    status,
                    timestamp = (timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds()).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    recipient_id = "4917000000000",
                    biz_opaque_callback_data = callbackData,
                },
            },
        },
    };

    /// <summary>An envelope; each inner array is one entry with its changes.</summary>
    public static string Envelope(params object[][] entries) => JsonSerializer.Serialize(new
    {
        @object = "whatsapp_business_account",
        entry = entries.Select((changes, i) => new { id = $"waba-{i}", changes }),
    });

    public static HttpRequestMessage Signed(string body, string? secret = null) =>
        Request(Encoding.UTF8.GetBytes(body), WebhookSignature.Sign(Encoding.UTF8.GetBytes(body), secret ?? TestSettings.AppSecret));

    public static HttpRequestMessage Request(byte[] body, string? signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/whatsapp") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        if (signature is not null) request.Headers.Add(WebhookSignature.HeaderName, signature);
        return request;
    }
}
