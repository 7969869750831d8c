using System.Net;
using System.Text.Json;
using Inbox.Tests.Simulator.Infrastructure;

namespace Inbox.Tests.Simulator;

/// <summary>POST /{version}/{phone_number_id}/messages: what it accepts, what it refuses, and how.</summary>
public sealed class GraphSendTests
{
    [Fact]
    public async Task A_text_send_answers_with_the_recipient_and_a_fresh_wamid()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);

        var json = """{"messaging_product":"whatsapp","recipient_type":"individual","to":"+1 555-123-0000","type":"text","text":{"body":"hi"}}""";
        var first = JsonDocument.Parse(await (await sim.SendAsync(json)).Content.ReadAsStringAsync()).RootElement;
        var second = JsonDocument.Parse(await (await sim.SendAsync(json)).Content.ReadAsStringAsync()).RootElement;

        Assert.Equal("whatsapp", first.GetProperty("messaging_product").GetString());
        var contact = first.GetProperty("contacts")[0];
        Assert.Equal("+1 555-123-0000", contact.GetProperty("input").GetString());
        Assert.Equal("15551230000", contact.GetProperty("wa_id").GetString());
        var wamid = first.GetProperty("messages")[0].GetProperty("id").GetString()!;
        Assert.StartsWith("wamid.", wamid);
        Assert.NotEqual(wamid, second.GetProperty("messages")[0].GetProperty("id").GetString());
    }

    public static TheoryData<string> DocumentedSends => new()
    {
        """{"messaging_product":"whatsapp","to":"15551230000","type":"text","text":{"body":"see https://example.com","preview_url":true}}""",
        """{"messaging_product":"whatsapp","to":"15551230000","text":{"body":"type defaults to text"}}""",
        """{"messaging_product":"whatsapp","to":"15551230000","type":"image","image":{"link":"https://example.com/a.jpg","caption":"A photo"}}""",
        """{"messaging_product":"whatsapp","to":"15551230000","type":"document","document":{"link":"https://example.com/a.pdf","filename":"a.pdf","caption":"Invoice"}}""",
        """{"messaging_product":"whatsapp","to":"15551230000","type":"audio","audio":{"link":"https://example.com/a.ogg","voice":true}}""",
        """{"messaging_product":"whatsapp","to":"15551230000","type":"video","video":{"link":"https://example.com/a.mp4"}}""",
        """{"messaging_product":"whatsapp","to":"15551230000","type":"sticker","sticker":{"link":"https://example.com/a.webp"}}""",
        """{"messaging_product":"whatsapp","to":"15551230000","type":"template","template":{"name":"order_update","language":{"code":"en_US"},"components":[{"type":"header","parameters":[{"type":"image","image":{"link":"https://example.com/h.jpg"}}]},{"type":"body","parameters":[{"type":"text","text":"Jan"},{"type":"currency","currency":{"fallback_value":"$10","code":"USD","amount_1000":10000}}]},{"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"OK"}]}]}}""",
        """{"messaging_product":"whatsapp","to":"15551230000","type":"reaction","reaction":{"message_id":"wamid.HBgLMTU1NTEyMzAwMDA=","emoji":"👍"}}""",
        """{"messaging_product":"whatsapp","to":"15551230000","type":"reaction","reaction":{"message_id":"wamid.HBgLMTU1NTEyMzAwMDA=","emoji":""}}""",
        """{"messaging_product":"whatsapp","to":"15551230000","type":"interactive","interactive":{"type":"button","body":{"text":"Pick one"},"action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"Yes"}},{"type":"reply","reply":{"id":"b","title":"No"}}]}}}""",
        """{"messaging_product":"whatsapp","to":"15551230000","type":"interactive","interactive":{"type":"list","body":{"text":"Choose"},"action":{"button":"Options","sections":[{"title":"S","rows":[{"id":"r1","title":"Row 1","description":"First"}]}]}}}""",
        """{"messaging_product":"whatsapp","to":"15551230000","type":"interactive","interactive":{"type":"cta_url","body":{"text":"Track it"},"action":{"name":"cta_url","parameters":{"display_text":"Track","url":"https://example.com/t"}}}}""",
        """{"messaging_product":"whatsapp","to":"15551230000","type":"location","location":{"latitude":52.52,"longitude":13.405,"name":"Store"}}""",
        """{"messaging_product":"whatsapp","to":"15551230000","type":"contacts","contacts":[{"name":{"formatted_name":"Ana"},"phones":[{"phone":"+15551230001"}]}]}""",
        """{"messaging_product":"whatsapp","to":"15551230000","context":{"message_id":"wamid.HBgLMTU1NTEyMzAwMDA="},"type":"text","text":{"body":"a reply"}}""",
    };

    [Theory]
    [MemberData(nameof(DocumentedSends))]
    public async Task Every_documented_message_type_is_accepted(string json)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);

        var response = await sim.SendAsync(json);
        var wamid = await SimulatorHost.AcceptedWamidAsync(response);
        Assert.StartsWith("wamid.", wamid);
    }

    [Fact]
    public async Task A_template_answers_with_message_status_accepted()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);

        var response = await sim.SendAsync("""{"messaging_product":"whatsapp","to":"15551230000","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}""");
        var message = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("messages")[0];
        Assert.Equal("accepted", message.GetProperty("message_status").GetString());
    }

    public static TheoryData<string?, string, HttpStatusCode, int, int?> RefusedCallers => new()
    {
        { null, SimulatorHost.NumberId, HttpStatusCode.Unauthorized, 190, null },
        { "not-a-token", SimulatorHost.NumberId, HttpStatusCode.Unauthorized, 190, null },
        { SimulatorHost.OtherToken, SimulatorHost.NumberId, HttpStatusCode.BadRequest, 100, 33 },
        { SimulatorHost.Token, "100000000000999", HttpStatusCode.BadRequest, 100, 33 },
    };

    [Theory]
    [MemberData(nameof(RefusedCallers))]
    public async Task A_send_needs_the_numbers_own_token(string? token, string number, HttpStatusCode status, int code, int? subcode)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);

        var response = await sim.GraphAsync(HttpMethod.Post, $"/v24.0/{number}/messages", token,
            """{"messaging_product":"whatsapp","to":"15551230000","type":"text","text":{"body":"hi"}}""");

        Assert.Equal(status, response.StatusCode);
        var error = await GraphErrors.ReadAsync(response, code);
        if (subcode is null) Assert.False(error.TryGetProperty("error_subcode", out _));
        else Assert.Equal(subcode, error.GetProperty("error_subcode").GetInt32());
    }

    public static TheoryData<string, string> InvalidSends => new()
    {
        { """{"to":"15551230000","type":"text","text":{"body":"x"}}""", "messaging_product" },
        { """{"messaging_product":"sms","to":"15551230000","type":"text","text":{"body":"x"}}""", "messaging_product" },
        { """{"messaging_product":"whatsapp","type":"text","text":{"body":"x"}}""", "to" },
        { """{"messaging_product":"whatsapp","to":"not-a-number","type":"text","text":{"body":"x"}}""", "Param to" },
        { """{"messaging_product":"whatsapp","to":"15551230000","type":"text"}""", "text" },
        { """{"messaging_product":"whatsapp","to":"15551230000","type":"text","text":{}}""", "text['body']" },
        { """{"messaging_product":"whatsapp","to":"15551230000","type":"text","text":{"body":""}}""", "text['body']" },
        { """{"messaging_product":"whatsapp","to":"15551230000","type":"poll","poll":{}}""", "Param type must be one of" },
        { """{"messaging_product":"whatsapp","to":"15551230000","type":"image","image":{}}""", "exactly one of id or link" },
        { """{"messaging_product":"whatsapp","to":"15551230000","type":"image","image":{"link":"ftp://x/a.jpg"}}""", "image['link']" },
        { """{"messaging_product":"whatsapp","to":"15551230000","type":"image","image":{"id":"123456789012345"}}""", "not a valid media id" },
        { """{"messaging_product":"whatsapp","to":"15551230000","type":"template","template":{"name":"x"}}""", "template['language']" },
        { """{"messaging_product":"whatsapp","to":"15551230000","type":"reaction","reaction":{"emoji":"👍"}}""", "reaction['message_id']" },
        { """{"messaging_product":"whatsapp","to":"15551230000","context":{"message_id":"wamid.A"},"type":"reaction","reaction":{"message_id":"wamid.A","emoji":"👍"}}""", "cannot be sent as a reply" },
        { """{"messaging_product":"whatsapp","to":"15551230000","type":"interactive","interactive":{"type":"button","body":{"text":"x"},"action":{"buttons":[{"type":"reply","reply":{"id":"1","title":"a"}},{"type":"reply","reply":{"id":"2","title":"b"}},{"type":"reply","reply":{"id":"3","title":"c"}},{"type":"reply","reply":{"id":"4","title":"d"}}]}}}""", "1 to 3 buttons" },
        { """{"messaging_product":"whatsapp","to":"15551230000","type":"interactive","interactive":{"type":"button","body":{"text":"x"},"action":{"buttons":[{"type":"reply","reply":{"id":"1","title":"a title longer than twenty"}}]}}}""", "1 to 20 characters" },
        { """{"messaging_product":"whatsapp","to":"15551230000","type":"interactive","interactive":{"type":"list","body":{"text":"x"},"action":{"button":"b","sections":[{"rows":[{"id":"1","title":"a"},{"id":"2","title":"a"},{"id":"3","title":"a"},{"id":"4","title":"a"},{"id":"5","title":"a"},{"id":"6","title":"a"},{"id":"7","title":"a"},{"id":"8","title":"a"},{"id":"9","title":"a"},{"id":"10","title":"a"},{"id":"11","title":"a"}]}]}}}""", "1 to 10 rows" },
        { """{"messaging_product":"whatsapp","to":"15551230000","type":"interactive","interactive":{"type":"button","action":{"buttons":[]}}}""", "interactive['body']" },
        { """{"messaging_product":"whatsapp","to":"15551230000","type":"location","location":{"latitude":1}}""", "location['longitude']" },
        { """{"messaging_product":"whatsapp","status":"read"}""", "message_id" },
        { """{"messaging_product":"whatsapp","status":"read","message_id":"wamid.A","typing_indicator":{"type":"audio"}}""", "typing_indicator" },
        { """{"messaging_product":"whatsapp",""", "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(InvalidSends))]
    public async Task Missing_or_invalid_fields_are_error_100_naming_the_field(string json, string named)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);

        var response = await sim.SendAsync(json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await GraphErrors.ReadAsync(response, 100);
        Assert.StartsWith("(#100)", error.GetProperty("message").GetString());
        Assert.Contains(named, error.GetProperty("error_data").GetProperty("details").GetString());
    }

    [Fact]
    public async Task Text_may_be_4096_characters_long_but_not_4097()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        string Send(int length) => JsonSerializer.Serialize(new
        {
            messaging_product = "whatsapp", to = "15551230000", type = "text", text = new { body = new string('a', length) },
        });

        Assert.Equal(HttpStatusCode.OK, (await sim.SendAsync(Send(4096))).StatusCode);
        var tooLong = await sim.SendAsync(Send(4097));
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        var error = await GraphErrors.ReadAsync(tooLong, 100);
        Assert.Contains("4096", error.GetProperty("error_data").GetProperty("details").GetString());
    }

    [Theory]
    [InlineData(130429, HttpStatusCode.BadRequest)]
    [InlineData(131056, HttpStatusCode.BadRequest)]
    [InlineData(100, HttpStatusCode.BadRequest)]
    [InlineData(190, HttpStatusCode.Unauthorized)]
    public async Task Injected_failures_fail_the_next_sends_then_sending_works_again(int code, HttpStatusCode status)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        const string send = """{"messaging_product":"whatsapp","to":"15551230000","type":"text","text":{"body":"hi"}}""";

        await Control.FailNextAsync(sim, new { code, count = 2 });
        foreach (var _ in Enumerable.Range(0, 2))
        {
            var failed = await sim.SendAsync(send);
            Assert.Equal(status, failed.StatusCode);
            await GraphErrors.ReadAsync(failed, code);
        }
        Assert.Equal(HttpStatusCode.OK, (await sim.SendAsync(send)).StatusCode);

        var rejected = (await sim.ReportAsync()).GetProperty("summary").GetProperty("sends").GetProperty("rejected");
        Assert.Equal(2, rejected.GetProperty(code.ToString(System.Globalization.CultureInfo.InvariantCulture)).GetInt32());
    }

    [Fact]
    public async Task An_injected_failure_can_be_aimed_at_one_number()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        const string send = """{"messaging_product":"whatsapp","to":"15551230000","type":"text","text":{"body":"hi"}}""";

        await Control.FailNextAsync(sim, new { code = 130429, phoneNumberId = SimulatorHost.OtherNumberId });

        Assert.Equal(HttpStatusCode.OK, (await sim.SendAsync(send)).StatusCode);
        var failed = await sim.SendAsync(send, SimulatorHost.OtherToken, SimulatorHost.OtherNumberId);
        await GraphErrors.ReadAsync(failed, 130429);
        Assert.Equal(HttpStatusCode.OK, (await sim.SendAsync(send, SimulatorHost.OtherToken, SimulatorHost.OtherNumberId)).StatusCode);
    }

    [Fact]
    public async Task Exceeding_the_numbers_throughput_is_error_130429()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        // One message now, the next in ~17 minutes: the second send is always over the limit.
        await using var sim = SimulatorHost.Start(receiver.Url, new() { ["Simulator:Limits:MessagesPerSecond"] = "0.001" });

        await sim.SendTextAsync("15551230001");
        var limited = await sim.SendAsync("""{"messaging_product":"whatsapp","to":"15551230002","type":"text","text":{"body":"hi"}}""");

        Assert.Equal(HttpStatusCode.BadRequest, limited.StatusCode);
        await GraphErrors.ReadAsync(limited, 130429);
        // The limit is per number: the other number still sends.
        Assert.Equal(HttpStatusCode.OK, (await sim.SendAsync(
            """{"messaging_product":"whatsapp","to":"15551230002","type":"text","text":{"body":"hi"}}""",
            SimulatorHost.OtherToken, SimulatorHost.OtherNumberId)).StatusCode);
    }

    [Fact]
    public async Task Too_many_messages_to_one_customer_is_error_131056_for_that_pair_only()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url, new()
        {
            ["Simulator:Limits:PairBurst"] = "2",
            ["Simulator:Limits:PairInterval"] = "01:00:00",
        });

        await sim.SendTextAsync("15551230001");
        await sim.SendTextAsync("15551230001");
        var limited = await sim.SendAsync("""{"messaging_product":"whatsapp","to":"15551230001","type":"text","text":{"body":"again"}}""");

        Assert.Equal(HttpStatusCode.BadRequest, limited.StatusCode);
        await GraphErrors.ReadAsync(limited, 131056);
        await sim.SendTextAsync("15551230002");
    }

    [Fact]
    public async Task Mark_as_read_with_the_typing_indicator_answers_success()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        var inbound = await sim.CustomerWritesAsync("15551230003");

        var response = await sim.SendAsync(
            $$$"""{"messaging_product":"whatsapp","status":"read","message_id":"{{{inbound}}}","typing_indicator":{"type":"text"}}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("success").GetBoolean());
        Assert.Equal(1, (await sim.ReportAsync()).GetProperty("summary").GetProperty("readMarks").GetInt32());
    }

    [Theory]
    [InlineData("v19.0", HttpStatusCode.OK)]
    [InlineData("v25.0", HttpStatusCode.OK)]
    [InlineData("24.0", HttpStatusCode.NotFound)]
    [InlineData("latest", HttpStatusCode.NotFound)]
    public async Task Any_graph_version_is_served_but_it_must_look_like_one(string version, HttpStatusCode status)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);

        var response = await sim.GraphAsync(HttpMethod.Post, $"/{version}/{SimulatorHost.NumberId}/messages", SimulatorHost.Token,
            """{"messaging_product":"whatsapp","to":"15551230000","type":"text","text":{"body":"hi"}}""");
        Assert.Equal(status, response.StatusCode);
    }
}
