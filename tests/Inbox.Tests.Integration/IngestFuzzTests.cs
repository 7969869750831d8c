using System.Net;
using System.Text;
using Inbox.Tests.Integration.Infrastructure;
using Inbox.WhatsApp;

namespace Inbox.Tests.Integration;

/// <summary>
/// Every validly signed body gets 200 or 400 and is kept in the ledger — never a 5xx, which Meta would retry for a
/// week: bytes that are not UTF-8 in any string, NUL, fields deleted or of the wrong type, huge arrays, deep nesting.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class IngestFuzzTests(InboxStack stack)
{
    private static readonly byte[][] InvalidUtf8 = [[0xFF], [0xC3, 0x28], [0xE2, 0x82], [0xF0, 0x28, 0x8C, 0x28], [0xED, 0xA0, 0x80]];

    [Fact]
    public async Task Mutated_signed_bodies_are_answered_200_or_400_and_all_kept()
    {
        var tenant = await stack.CreateTenantAsync();
        var bodies = Mutations(tenant.PhoneNumberId).ToList();

        foreach (var (name, body) in bodies)
        {
            var response = await stack.Ingest.Http.SendAsync(Webhooks.Request(body, WebhookSignature.Sign(body, TestSettings.AppSecret)));
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest,
                $"{name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            Assert.True(await stack.Database.CountAsync(null, "select count(*) from webhook_ledger where body = $1", body) >= 1,
                $"{name}: not kept in the ledger");
        }
    }

    /// <summary>A valid envelope (a text and a status), then the same with one thing broken each time.</summary>
    private static IEnumerable<(string Name, byte[] Body)> Mutations(string number)
    {
        string Envelope(string wamid) => $$$"""
            {"object":"whatsapp_business_account","entry":[{"id":"waba","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":"{{{number}}}"},"contacts":[{"profile":{"name":"NAME"},"wa_id":"4917300000001"}],"messages":[{"from":"4917300000001","id":"{{{wamid}}}","timestamp":"1763780000","type":"text","text":{"body":"TEXT"}}],"statuses":[{"id":"STATUS","status":"delivered","timestamp":"1763780001","recipient_id":"4917300000001"}]}}]}]}
            """.Trim();

        // Bytes that are not UTF-8 in place of each string that matters.
        foreach (var field in new[] { "NAME", "TEXT", "STATUS", "4917300000001", "delivered", number, "text", "messages" })
            foreach (var bad in InvalidUtf8)
                yield return ($"invalid UTF-8 {Convert.ToHexString(bad)} in {field}", Replace(Envelope(Webhooks.NewWamid()), field, bad));

        var valid = Envelope(Webhooks.NewWamid());
        yield return ("NUL escapes", Encoding.UTF8.GetBytes(valid.Replace("TEXT", "a\\u0000b").Replace("NAME", "\\u0000")));
        yield return ("raw control byte", Replace(valid, "TEXT", [0x01, 0x00]));
        yield return ("message without an id", Encoding.UTF8.GetBytes(Envelope(Webhooks.NewWamid()).Replace("\"id\":\"wamid", "\"idx\":\"wamid")));
        yield return ("ids as numbers", Encoding.UTF8.GetBytes(Envelope("12345").Replace("\"12345\"", "12345").Replace("\"STATUS\"", "7")));
        yield return ("statuses as an object", Encoding.UTF8.GetBytes(valid.Replace("\"statuses\":[", "\"statuses\":{\"x\":[").Replace("}]}}]}]}", "}]}}}]}]}")));
        yield return ("entry as a string", Encoding.UTF8.GetBytes("""{"object":"whatsapp_business_account","entry":"x"}"""));
        yield return ("metadata as an array", Encoding.UTF8.GetBytes(Envelope(Webhooks.NewWamid()).Replace("\"metadata\":{", "\"metadata\":[{").Replace("\"},\"contacts\"", "\"}],\"contacts\"")));
        yield return ("a huge array", Encoding.UTF8.GetBytes(Envelope(Webhooks.NewWamid()).Replace("\"statuses\":[", "\"statuses\":[" + string.Concat(Enumerable.Repeat("1,", 50_000)))));
        yield return ("deep nesting", Encoding.UTF8.GetBytes(Envelope(Webhooks.NewWamid()).Replace("\"TEXT\"", new string('[', 60) + new string(']', 60))));
        yield return ("nesting past the parser's limit", Encoding.UTF8.GetBytes(new string('[', 5000) + new string(']', 5000)));
        yield return ("truncated", Encoding.UTF8.GetBytes(valid[..(valid.Length / 2)]));
    }

    private static byte[] Replace(string text, string marker, byte[] bytes)
    {
        var at = text.IndexOf(marker, StringComparison.Ordinal);
        var utf8 = Encoding.UTF8;
        return [.. utf8.GetBytes(text[..at]), .. bytes, .. utf8.GetBytes(text[(at + marker.Length)..])];
    }
}
