using System.Net;
using System.Text;
using System.Text.Json;
using Inbox.Contracts;
using Inbox.Tests.Integration.Infrastructure;
using Inbox.WebhookIngest;
using Inbox.WhatsApp;

namespace Inbox.Tests.Integration;

[Collection(StackCollection.Name)]
public sealed class WebhookIngestTests(InboxStack stack)
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_batch_of_three_messages_from_two_contacts_makes_three_messages_in_two_conversations_and_three_events()
    {
        var tenant = await stack.CreateTenantAsync();
        var other = await stack.CreateTenantAsync();
        await using var agent = await stack.ConnectAgentAsync(tenant);
        await using var outsider = await stack.ConnectAgentAsync(other);

        // Two entries, the second message's contact in its own change: every entry and change must be read.
        var ana = new TextItem("4915100000001", "Ana", Webhooks.NewWamid(), "first");
        var ana2 = new TextItem("4915100000001", "Ana", Webhooks.NewWamid(), "second", 1_763_780_005);
        var ben = new TextItem("4915100000002", "Ben", Webhooks.NewWamid(), "hello");
        var body = Webhooks.Envelope(
            [Webhooks.TextChange(tenant.PhoneNumberId, ana, ana2)],
            [Webhooks.TextChange(tenant.PhoneNumberId, ben)]);

        var response = await stack.Ingest.Http.SendAsync(Webhooks.Signed(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, await stack.Database.CountAsync(tenant.Id, "select count(*) from messages"));
        Assert.Equal(2, await stack.Database.CountAsync(tenant.Id, "select count(*) from conversations"));
        Assert.Equal(2, await stack.Database.CountAsync(tenant.Id, "select count(*) from contacts"));
        var events = await agent.WaitForAsync(HubEvents.MessageNew, 3, EventTimeout);
        Assert.Equal(
            new[] { ana.Wamid, ana2.Wamid, ben.Wamid }.Order(),
            events.Select(e => e.GetProperty("message").GetProperty("wamid").GetString()).Order());
        Assert.All(events, e => Assert.Equal(tenant.Id, e.GetProperty("tenantId").GetGuid()));
        Assert.Contains(events, e => e.GetProperty("message").GetProperty("text").GetString() == "hello"
                                     && e.GetProperty("contactName").GetString() == "Ben");

        await Task.Delay(1000); // anything misrouted would have arrived by now
        Assert.Empty(outsider.Received(HubEvents.MessageNew));
    }

    [Fact]
    public async Task The_same_payload_posted_twice_stores_one_row_and_sends_one_event_per_message()
    {
        var tenant = await stack.CreateTenantAsync();
        await using var agent = await stack.ConnectAgentAsync(tenant);
        var item = new TextItem("4915100000003", "Cleo", Webhooks.NewWamid(), "only once");
        var body = Webhooks.Envelope([Webhooks.TextChange(tenant.PhoneNumberId, item)]);

        Assert.Equal(HttpStatusCode.OK, (await stack.Ingest.Http.SendAsync(Webhooks.Signed(body))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await stack.Ingest.Http.SendAsync(Webhooks.Signed(body))).StatusCode);

        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id, "select count(*) from messages where wamid = $1", item.Wamid));
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id, "select count(*) from outbox where message_type like '%.MessageReceived'"));
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id, "select unread_count from conversations"));
        Assert.Equal(2, await stack.Database.LedgerRowsContainingAsync(item.Wamid)); // both deliveries are on record
        await agent.WaitForAsync(HubEvents.MessageNew, 1, EventTimeout);
        await Task.Delay(1500);
        Assert.Single(agent.Received(HubEvents.MessageNew));
    }

    [Fact]
    public async Task Text_escaped_the_way_Meta_sends_it_verifies_and_is_stored_decoded()
    {
        var tenant = await stack.CreateTenantAsync();
        var wamid = Webhooks.NewWamid();
        // Meta's bytes: lowercase \uXXXX escapes, an emoji as a surrogate pair, '/' escaped.
        var body = $$$"""{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"{{{tenant.PhoneNumberId}}}"},"contacts":[{"profile":{"name":"Jos\u00e9"},"wa_id":"34600000001"}],"messages":[{"from":"34600000001","id":"{{{wamid}}}","timestamp":"1763780000","type":"text","text":{"body":"caf\u00e9 \ud83d\udc4d https:\/\/x.test"}}]}}]}]}""";

        var response = await stack.Ingest.Http.SendAsync(Webhooks.Signed(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id,
            "select count(*) from messages where wamid = $1 and text = $2", wamid, "café 👍 https://x.test"));
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id, "select count(*) from contacts where profile_name = 'José'"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("sha256=0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("wrong-secret")]
    public async Task A_missing_or_invalid_signature_is_401_and_stores_nothing(string? signature)
    {
        var tenant = await stack.CreateTenantAsync();
        var item = new TextItem("4915100000004", "Dan", Webhooks.NewWamid(), "forged");
        var bytes = Encoding.UTF8.GetBytes(Webhooks.Envelope([Webhooks.TextChange(tenant.PhoneNumberId, item)]));
        if (signature == "wrong-secret") signature = WebhookSignature.Sign(bytes, "not-the-app-secret");

        var response = await stack.Ingest.Http.SendAsync(Webhooks.Request(bytes, signature));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, await stack.Database.CountAsync(tenant.Id, "select count(*) from messages"));
        Assert.Equal(0, await stack.Database.LedgerRowsContainingAsync(item.Wamid));
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_400_and_kept_in_the_ledger()
    {
        var marker = Guid.NewGuid().ToString();
        var response = await stack.Ingest.Http.SendAsync(Webhooks.Signed($"not json {marker}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(1, await stack.Database.CountAsync(null,
            "select count(*) from webhook_ledger where outcome = 'not_json' and position(convert_to($1, 'UTF8') in body) > 0", marker));
    }

    [Fact]
    public async Task A_body_over_3_MB_is_413()
    {
        var body = new string(' ', WebhookSettings.MaxBodyBytes) + "{}";
        var response = await stack.Ingest.Http.SendAsync(Webhooks.Signed(body));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task An_unknown_phone_number_id_gets_200_and_a_ledger_row_only()
    {
        var item = new TextItem("4915100000005", "Eve", Webhooks.NewWamid(), "to nobody");
        var body = Webhooks.Envelope([Webhooks.TextChange("123456123", item)]);

        var response = await stack.Ingest.Http.SendAsync(Webhooks.Signed(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, await stack.Database.CountAsync(null,
            "select count(*) from webhook_ledger where outcome = 'unknown_number' and position(convert_to($1, 'UTF8') in body) > 0", item.Wamid));
    }

    [Fact]
    public async Task A_bad_item_is_rejected_alone_and_the_rest_of_the_batch_is_stored()
    {
        var tenant = await stack.CreateTenantAsync();
        var good = new TextItem("4915100000006", "Fay", Webhooks.NewWamid(), "still stored");
        var body = $$$"""
            {"object":"whatsapp_business_account","entry":[{"id":"1","changes":[
              {"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"phone_number_id":"{{{tenant.PhoneNumberId}}}"},
                "statuses":[{"id":"wamid.UNKNOWN{{{good.Wamid}}}","status":"delivered","timestamp":"1763780000","recipient_id":"4915100000006"},
                            {"id":"wamid.BAD","status":"exploded","timestamp":"1763780000"}]}},
              {"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"phone_number_id":"{{{tenant.PhoneNumberId}}}"},
                "contacts":[{"profile":{"name":"Fay"},"wa_id":"4915100000006"}],
                "messages":[
                  {"from":"4915100000006","timestamp":"1763780000","type":"text","text":{"body":"no id"}},
                  {"from":"{{{good.From}}}","id":"{{{good.Wamid}}}","timestamp":"1763780000","type":"text","text":{"body":"{{{good.Body}}}"}}]}},
              {"field":"account_update","value":{"event":"VERIFIED_ACCOUNT"}}]}]}
            """;

        var response = await stack.Ingest.Http.SendAsync(Webhooks.Signed(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id, "select count(*) from messages where wamid = $1", good.Wamid));
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id, "select count(*) from pending_statuses"));
        var detail = await stack.Database.CountAsync(null, """
            select count(*) from webhook_ledger
            where position(convert_to($1, 'UTF8') in body) > 0 and outcome = 'items_rejected'
              and (detail->>'stored')::int = 1 and jsonb_array_length(detail->'rejected') = 2
              and (detail->>'parkedStatuses')::int = 1 and (detail->'deferred'->>'field:account_update')::int = 1
            """, good.Wamid);
        Assert.Equal(1, detail);
    }

    [Fact]
    public async Task The_verification_handshake_echoes_the_challenge_as_plain_text()
    {
        var response = await stack.Ingest.Http.GetAsync(
            $"/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token={Uri.EscapeDataString(TestSettings.VerifyToken)}&hub.challenge=1158201444");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("1158201444", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("subscribe", "wrong-token")]
    [InlineData("unsubscribe", null)]
    public async Task The_handshake_refuses_a_wrong_token_or_mode(string mode, string? token)
    {
        var response = await stack.Ingest.Http.GetAsync(
            $"/webhooks/whatsapp?hub.mode={mode}&hub.verify_token={Uri.EscapeDataString(token ?? TestSettings.VerifyToken)}&hub.challenge=challenge-not-echoed");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        // (Not "abc": hex trace ids in the problem body contain that now and then.)
        Assert.DoesNotContain("challenge-not-echoed", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task When_the_database_is_down_a_webhook_gets_503_so_Meta_retries()
    {
        // A real connection attempt to a port where no PostgreSQL listens.
        await using var ingest = new ServiceHost<WebhookIngestor>(new()
        {
            ["ConnectionStrings:Inbox"] = "Host=127.0.0.1;Port=1;Database=none;Username=inbox_app;Password=x;Timeout=3",
        }).Start();
        var body = Webhooks.Envelope([Webhooks.TextChange("100", new TextItem("1", "x", Webhooks.NewWamid(), "x"))]);

        var response = await ingest.Http.SendAsync(Webhooks.Signed(body));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(503, problem.GetProperty("status").GetInt32());
    }
}
