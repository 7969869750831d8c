using System.Text.Json;
using Inbox.WhatsApp;

namespace Inbox.Tests.Unit;

public sealed class OutboundMessageTests
{
    [Fact]
    public void A_text_reply_serializes_to_the_documented_send_body_without_empty_fields()
    {
        var message = new OutboundMessage
        {
            Type = "text", To = "4915100000001", Text = new OutboundText("Hi"), Context = new OutboundContext("wamid.X"),
            BizOpaqueCallbackData = "0195a000-0000-7000-8000-000000000001",
        };

        var json = JsonDocument.Parse(message.ToJson()).RootElement;

        Assert.Equal("whatsapp", json.GetProperty("messaging_product").GetString());
        Assert.Equal("individual", json.GetProperty("recipient_type").GetString());
        Assert.Equal("4915100000001", json.GetProperty("to").GetString());
        Assert.Equal("Hi", json.GetProperty("text").GetProperty("body").GetString());
        Assert.False(json.GetProperty("text").GetProperty("preview_url").GetBoolean());
        Assert.Equal("wamid.X", json.GetProperty("context").GetProperty("message_id").GetString());
        Assert.Equal("0195a000-0000-7000-8000-000000000001", json.GetProperty("biz_opaque_callback_data").GetString());
        Assert.False(json.TryGetProperty("recipient", out _));
        Assert.False(json.TryGetProperty("image", out _));
        Assert.False(json.TryGetProperty("template", out _));
    }

    [Fact]
    public void A_template_keeps_Meta_components_verbatim_and_round_trips()
    {
        var components = JsonDocument.Parse("""[{"type":"body","parameters":[{"type":"text","parameter_name":"first_name","text":"Jan"}]}]""").RootElement;
        var message = new OutboundMessage
        {
            Type = "template", Recipient = "US.13491208655302741918",
            Template = new OutboundTemplate("order_update", new OutboundLanguage("en_US"), components),
        };

        var json = message.ToJson();
        var back = OutboundMessage.FromJson(json);

        Assert.Contains("\"language\":{\"code\":\"en_US\"}", json);
        Assert.Contains("\"parameter_name\":\"first_name\"", json);
        Assert.Equal("US.13491208655302741918", back.Recipient);
        Assert.Null(back.To);
        Assert.Equal("first_name", back.Template!.Components!.Value[0].GetProperty("parameters")[0].GetProperty("parameter_name").GetString());
    }

    [Theory]
    [InlineData(130429, true)]
    [InlineData(131056, true)]
    [InlineData(131000, true)]
    [InlineData(131016, true)]
    [InlineData(131047, false)]
    [InlineData(131026, false)]
    [InlineData(100, false)]
    [InlineData(190, false)]
    public void Only_throttling_and_transient_codes_are_retried(int code, bool transient) =>
        Assert.Equal(transient, new GraphApiException(code, "x", null, null, 400).IsTransient);
}
