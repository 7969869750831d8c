using System.Text.Json;
using Inbox.WhatsApp;

namespace Inbox.Tests.Unit;

public sealed class TemplateDefinitionTests
{
    /// <summary>Meta's definition of a template with an image header, two body parameters, a footer and two buttons.</summary>
    private static readonly TemplateDefinition Shipping = TemplateDefinition.Parse(Json("""
        [{"type":"HEADER","format":"IMAGE","example":{"header_handle":["https://x/h.jpg"]}},
         {"type":"BODY","text":"Hi {{1}}, your parcel {{2}} has shipped.","example":{"body_text":[["Ana","PX-1"]]}},
         {"type":"FOOTER","text":"Reply STOP to opt out"},
         {"type":"BUTTONS","buttons":[{"type":"URL","text":"Track","url":"https://shop.example/track/{{1}}"},
                                      {"type":"QUICK_REPLY","text":"Stop"}]}]
        """));

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Fact]
    public void Meta_components_are_read_into_header_body_footer_and_buttons_with_what_each_needs()
    {
        Assert.Equal("IMAGE", Shipping.HeaderFormat);
        Assert.Equal(["{{1}}", "{{2}}"], Shipping.BodyParameters);
        Assert.Equal("Reply STOP to opt out", Shipping.Footer);
        Assert.Equal([(0, "URL", "text"), (1, "QUICK_REPLY", null)], Shipping.Buttons.Select(b => (b.Index, b.Type, b.Parameter)));
        Assert.False(Shipping.NamedParameters);
        var named = TemplateDefinition.Parse(Json("""[{"type":"BODY","text":"Hi {{first_name}}, {{first_name}} again"}]"""));
        Assert.True(named.NamedParameters);
        Assert.Equal(["{{first_name}}"], named.BodyParameters);
        var empty = TemplateDefinition.Parse(null);
        Assert.Equal(("", null), (empty.Body, empty.HeaderFormat));
    }

    [Fact]
    public void A_complete_send_passes_and_renders_header_body_and_footer()
    {
        var send = Json("""
            [{"type":"header","parameters":[{"type":"image","image":{"link":"https://example.test/p.jpg"}}]},
             {"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"currency","currency":{"fallback_value":"PX-9","code":"USD","amount_1000":1}}]},
             {"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"PX-9"}]},
             {"type":"button","sub_type":"quick_reply","index":1,"parameters":[{"type":"payload","payload":"STOP"}]}]
            """);
        Assert.Empty(Shipping.Check(send));
        Assert.Equal("Hi Ana, your parcel PX-9 has shipped.\nReply STOP to opt out", Shipping.Render(send));
        Assert.Equal("https://example.test/p.jpg", Shipping.HeaderLink(send));
    }

    [Theory]
    [InlineData("""[{"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"text","text":"X"}]},{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"X"}]}]""", "image")]
    [InlineData("""[{"type":"header","parameters":[{"type":"video","video":{"link":"https://v"}}]},{"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"text","text":"X"}]},{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"X"}]}]""", "image")]
    [InlineData("""[{"type":"header","parameters":[{"type":"image","image":{"link":"ftp://x"}}]},{"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"text","text":"X"}]},{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"X"}]}]""", "http(s) link")]
    [InlineData("""[{"type":"header","parameters":[{"type":"image","image":{"id":"123"}}]},{"type":"body","parameters":[{"type":"text","text":"Ana"}]},{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"X"}]}]""", "takes 2 parameters; 1 were given")]
    [InlineData("""[{"type":"header","parameters":[{"type":"image","image":{"id":"123"}}]},{"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"text","text":""}]},{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"X"}]}]""", "needs a value")]
    [InlineData("""[{"type":"header","parameters":[{"type":"image","image":{"id":"123"}}]},{"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"text","text":"X"}]}]""", "Track")]
    [InlineData("""[{"type":"header","parameters":[{"type":"image","image":{"id":"123"}}]},{"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"text","text":"X"}]},{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"X"}]},{"type":"button","sub_type":"url","index":"5","parameters":[]}]""", "no button 5")]
    [InlineData("""[{"type":"header","parameters":[{"type":"image","image":{"id":"123"}}]},{"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"text","text":"X"}]},{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"X"}]},{"type":"carousel"}]""", "Unknown component type")]
    public void A_send_that_does_not_fill_the_template_names_what_is_missing(string send, string problem) =>
        Assert.Contains(Shipping.Check(Json(send)), p => p.Contains(problem, StringComparison.Ordinal));

    [Fact]
    public void Named_parameters_go_by_parameter_name_in_any_order_and_a_text_header_takes_its_one_parameter()
    {
        var template = TemplateDefinition.Parse(Json("""
            [{"type":"HEADER","format":"TEXT","text":"Order {{order}}"},{"type":"BODY","text":"Hi {{first_name}}, between {{from}} and {{to}}."}]
            """), "NAMED");
        var send = Json("""
            [{"type":"header","parameters":[{"type":"text","parameter_name":"order","text":"#7"}]},
             {"type":"body","parameters":[{"type":"text","parameter_name":"to","text":"11"},{"type":"text","parameter_name":"first_name","text":"Ana"},
                                          {"type":"text","parameter_name":"from","text":"9"}]}]
            """);
        Assert.Empty(template.Check(send));
        Assert.Equal("Order #7\nHi Ana, between 9 and 11.", template.Render(send));
        Assert.Contains(template.Check(Json("""
            [{"type":"header","parameters":[{"type":"text","text":"#7"}]},
             {"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"text","text":"9"},{"type":"text","text":"11"}]}]
            """)), p => p.Contains("{{first_name}} is missing", StringComparison.Ordinal));
        Assert.Contains(template.Check(Json("""[{"type":"body","parameters":[]}]""")), p => p.Contains("header", StringComparison.Ordinal));
    }

    [Fact]
    public void A_template_without_parameters_takes_none()
    {
        var hello = TemplateDefinition.Parse(Json("""[{"type":"HEADER","format":"TEXT","text":"Hello World"},{"type":"BODY","text":"Welcome!"},{"type":"FOOTER","text":"Sample"}]"""));
        Assert.Empty(hello.Check(null));
        Assert.Equal("Hello World\nWelcome!\nSample", hello.Render(null));
        Assert.Contains(hello.Check(Json("""[{"type":"header","parameters":[{"type":"text","text":"x"}]}]""")),
            p => p.Contains("takes no parameters", StringComparison.Ordinal));
    }

    [Fact]
    public void A_status_webhook_says_the_status_it_leaves_and_Meta_explanation()
    {
        var at = DateTimeOffset.FromUnixTimeSeconds(1751247548);
        var rejected = TemplateStatusUpdate.Parse(Json("""
            {"event":"REJECTED","message_template_id":1689556908129835,"message_template_name":"abandoned_cart","message_template_language":"en-US",
             "reason":"INVALID_FORMAT","message_template_category":"MARKETING",
             "rejection_info":{"reason":"Parameters are next to each other.","recommendation":"Separate them."}}
            """), at);
        Assert.Equal(("1689556908129835", "abandoned_cart", "en_US", "rejected", "INVALID_FORMAT", "marketing"),
            (rejected.TemplateId, rejected.Name, rejected.Language, rejected.Status, rejected.Reason, rejected.Category));
        Assert.Equal("Parameters are next to each other. Separate them.", rejected.Detail);
        Assert.Equal(at.AddMilliseconds(999), rejected.At); // the second's last instant: entry.time counts whole seconds

        var paused = TemplateStatusUpdate.Parse(Json("""
            {"event":"PAUSED","message_template_id":1,"message_template_name":"a","message_template_language":"en_US","reason":"NONE",
             "other_info":{"title":"FIRST_PAUSE","description":"Paused for quality."}}
            """), null);
        Assert.Equal(("paused", null, "FIRST_PAUSE Paused for quality.", null), (paused.Status, paused.Reason, paused.Detail, paused.At));
        var reinstated = TemplateStatusUpdate.Parse(Json("""{"event":"REINSTATED","message_template_name":"a","message_template_language":"en_US"}"""), at);
        Assert.Equal("approved", reinstated.Status);
        var flagged = TemplateStatusUpdate.Parse(Json("""{"event":"FLAGGED","message_template_name":"a","message_template_language":"en_US"}"""), at);
        Assert.Null(flagged.Status); // says no status: the account is read again
        Assert.Throws<WebhookItemException>(() => TemplateStatusUpdate.Parse(Json("""{"event":"APPROVED","message_template_language":"en_US"}"""), at));
    }
}
