using System.Text;
using Inbox.WhatsApp;

namespace Inbox.Tests.Unit;

public sealed class WebhookSignatureTests
{
    private static readonly byte[] Secret = "app-secret-1"u8.ToArray();

    // Meta's bytes: non-ASCII as \uXXXX escapes (lowercase hex, emoji as a surrogate pair) and '/' as '\/'.
    private const string MetaStyleBody =
        """{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"messages":[{"text":{"body":"caf\u00e9 \ud83d\udc4d https:\/\/x.test"}}]}}]}]}""";

    [Fact]
    public void A_signature_over_the_raw_bytes_is_valid()
    {
        var body = Encoding.UTF8.GetBytes(MetaStyleBody);
        var header = WebhookSignature.Sign(body, "app-secret-1");
        Assert.True(WebhookSignature.IsValid(body, header, [Secret]));
    }

    [Fact]
    public void A_signature_over_the_decoded_text_does_not_match_the_raw_bytes()
    {
        var raw = Encoding.UTF8.GetBytes(MetaStyleBody);
        var decoded = Encoding.UTF8.GetBytes(MetaStyleBody.Replace("\\u00e9", "é").Replace("\\/", "/"));
        Assert.False(WebhookSignature.IsValid(raw, WebhookSignature.Sign(decoded, "app-secret-1"), [Secret]));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("sha1=0123")]
    [InlineData("sha256=")]
    [InlineData("sha256=zz")]
    [InlineData("sha256=0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("sha256=00000000000000000000000000000000000000000000000000000000000000000000")]
    public void Missing_malformed_or_wrong_headers_are_invalid(string? header)
    {
        Assert.False(WebhookSignature.IsValid("{}"u8, header, [Secret]));
    }

    [Fact]
    public void A_body_changed_by_one_byte_is_invalid()
    {
        var header = WebhookSignature.Sign("{\"a\":1}"u8, "app-secret-1");
        Assert.False(WebhookSignature.IsValid("{\"a\":2}"u8, header, [Secret]));
    }

    [Fact]
    public void During_an_app_secret_reset_both_secrets_are_accepted()
    {
        var body = "{}"u8.ToArray();
        IReadOnlyList<byte[]> secrets = [Secret, "old-secret"u8.ToArray()];
        Assert.True(WebhookSignature.IsValid(body, WebhookSignature.Sign(body, "old-secret"), secrets));
        Assert.True(WebhookSignature.IsValid(body, WebhookSignature.Sign(body, "app-secret-1"), secrets));
        Assert.False(WebhookSignature.IsValid(body, WebhookSignature.Sign(body, "other"), secrets));
    }

    [Fact]
    public void Uppercase_hex_is_accepted()
    {
        var body = "{}"u8.ToArray();
        var header = WebhookSignature.Sign(body, "app-secret-1");
        Assert.True(WebhookSignature.IsValid(body, "sha256=" + header["sha256=".Length..].ToUpperInvariant(), [Secret]));
    }
}
