using System.Text.Json;
using Inbox.WhatsApp;

namespace Inbox.Tests.Unit;

public sealed class WebhookPayloadTests
{
    [Fact]
    public void Every_entry_and_every_change_is_visited()
    {
        using var doc = JsonDocument.Parse("""
            {"object":"whatsapp_business_account","entry":[
              {"id":"W1","changes":[
                {"field":"messages","value":{"metadata":{"phone_number_id":"P1"},"messages":[{"id":"a"},{"id":"b"}]}},
                {"field":"messages","value":{"metadata":{"phone_number_id":"P2"},"statuses":[{"id":"s"}]}}]},
              {"id":"W2","changes":[
                {"field":"account_update","value":{"event":"X"}},
                {"field":"messages","value":{"metadata":{"phone_number_id":"P3"},"messages":[{"id":"c"}]}}]}]}
            """);
        var changes = WebhookEnvelope.Changes(doc.RootElement).ToList();

        Assert.Equal(["P1", "P2", null, "P3"], changes.Select(c => c.PhoneNumberId));
        Assert.Equal(["W1", "W1", "W2", "W2"], changes.Select(c => c.WabaId));
        Assert.Equal(3, changes.Sum(c => c.Messages.Count()));
        Assert.Single(changes[1].Statuses);
    }

    [Theory]
    [InlineData("""{"object":"whatsapp_business_account"}""")]
    [InlineData("""{"entry":{}}""")]
    [InlineData("""{"entry":[1,"x",{"changes":"no"},{"changes":[7]}]}""")]
    [InlineData("[]")]
    public void Odd_shapes_yield_no_changes_instead_of_failing(string json)
    {
        using var doc = JsonDocument.Parse(json);
        Assert.Empty(WebhookEnvelope.Changes(doc.RootElement));
    }

    [Fact]
    public void A_text_message_takes_its_sender_name_from_the_matching_contact()
    {
        var (message, value) = Item("""
            {"contacts":[{"profile":{"name":"Other"},"wa_id":"111"},{"profile":{"name":"Ana"},"wa_id":"222"}],
             "messages":[{"from":"222","id":"wamid.X","timestamp":"1749416383","type":"text","text":{"body":"hi"}}]}
            """);
        var parsed = InboundMessage.Parse(message, value);

        Assert.Equal(("wamid.X", "222", "Ana", "text", "hi"), (parsed.Wamid, parsed.WaId, parsed.ContactName, parsed.Type, parsed.Text));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1749416383), parsed.SentAt);
    }

    [Fact]
    public void A_sender_with_only_a_business_scoped_user_id_is_accepted()
    {
        var (message, value) = Item("""
            {"contacts":[{"profile":{"name":"Bo"},"user_id":"US.13491208655302741918"}],
             "messages":[{"from_user_id":"US.13491208655302741918","id":"wamid.B","timestamp":"1","type":"text","text":{"body":"x"}}]}
            """);
        var parsed = InboundMessage.Parse(message, value);

        Assert.Null(parsed.WaId);
        Assert.Equal("US.13491208655302741918", parsed.Bsuid);
        Assert.Equal("Bo", parsed.ContactName);
    }

    [Fact]
    public void A_numeric_timestamp_is_accepted()
    {
        var (message, value) = Item("""{"messages":[{"from":"1","id":"w","timestamp":1700000000,"type":"text","text":{"body":"x"}}]}""");
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000), InboundMessage.Parse(message, value).SentAt);
    }

    [Fact]
    public void NUL_characters_are_removed_from_text_and_raw_payload()
    {
        var (message, value) = Item("""{"messages":[{"from":"1","id":"w","timestamp":"1","type":"text","text":{"body":"a\u0000b"}}]}""");
        var parsed = InboundMessage.Parse(message, value);
        Assert.Equal("ab", parsed.Text);
        Assert.DoesNotContain("\\u0000", parsed.RawJson);
    }

    [Theory]
    [InlineData("""{"messages":[{"from":"1","timestamp":"1","type":"text"}]}""")]
    [InlineData("""{"messages":[{"id":"w","timestamp":"1","type":"text"}]}""")]
    [InlineData("""{"messages":[{"id":"w","from":"1","timestamp":"1"}]}""")]
    public void An_item_without_id_sender_or_type_is_rejected_alone(string json)
    {
        var (message, value) = Item(json);
        Assert.Throws<WebhookItemException>(() => InboundMessage.Parse(message, value));
    }

    private static (JsonElement Message, JsonElement Value) Item(string valueJson)
    {
        var value = JsonDocument.Parse(valueJson).RootElement;
        return (value.GetProperty("messages")[0], value);
    }
}
