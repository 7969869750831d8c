using System.Net;
using System.Text.Json;
using Inbox.Contracts;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration;

[Collection(StackCollection.Name)]
public sealed class MessageApiTests(InboxStack stack)
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(20);
    private const string Commands = "select count(*) from outbox where message_type like '%.SendWhatsAppMessage' and payload->>'messageId' = $1";

    private async Task<(Agent Agent, Guid Conversation, string Wamid)> OpenConversationAsync(DateTimeOffset? customerWroteAt = null)
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        var (conversation, wamid) = await stack.CustomerWritesAsync(tenant, "4917" + Random.Shared.NextInt64(100_000_000, 999_999_999),
            "hello", at: customerWroteAt);
        return (agent, conversation, wamid);
    }

    private static string Path(Guid conversation) => $"/api/conversations/{conversation}/messages";

    [Fact]
    public async Task A_text_is_stored_queued_with_its_sender_and_one_send_command_in_the_same_transaction()
    {
        var (agent, conversation, _) = await OpenConversationAsync();
        await using var hub = await HubClient.ConnectAsync(stack.Realtime.BaseAddress, agent.AccessToken);
        await hub.InvokeAsync("JoinConversation", conversation);

        var sent = await agent.SendMessageAsync(conversation, new { type = "text", text = "Hi, how can I help?" });

        var id = sent.GetProperty("id").GetGuid();
        Assert.Equal("queued", sent.GetProperty("status").GetString());
        Assert.Equal("outbound", sent.GetProperty("direction").GetString());
        Assert.Equal(agent.UserId, sent.GetProperty("senderUserId").GetGuid());
        Assert.Equal(1, await stack.Database.CountAsync(agent.Tenant.Id, Commands, id.ToString()));
        Assert.Equal(1, await stack.Database.CountAsync(agent.Tenant.Id,
            "select count(*) from messages where id = $1 and payload->>'biz_opaque_callback_data' = $2 and payload->'text'->>'body' = 'Hi, how can I help?'",
            id, id.ToString()));
        var created = await hub.WaitForAsync(HubEvents.MessageNew, e => e.GetProperty("message").GetProperty("id").GetGuid() == id, EventTimeout);
        Assert.Equal("Hi, how can I help?", created.GetProperty("message").GetProperty("text").GetString());
        var list = await agent.GetJsonAsync("/api/conversations");
        Assert.Equal("Hi, how can I help?", list.GetProperty("items")[0].GetProperty("lastMessagePreview").GetString());
    }

    [Fact]
    public async Task The_same_idempotency_key_returns_the_same_message_and_queues_one_send()
    {
        var (agent, conversation, _) = await OpenConversationAsync();
        var body = new { type = "text", text = "only once" };
        var key = Guid.NewGuid().ToString();

        var first = await agent.PostJsonAsync(Path(conversation), body, HttpStatusCode.Created, key);
        var again = await agent.PostJsonAsync(Path(conversation), body, HttpStatusCode.OK, key);

        Assert.Equal(first.GetProperty("id").GetGuid(), again.GetProperty("id").GetGuid());
        Assert.Equal(1, await stack.Database.CountAsync(agent.Tenant.Id, "select count(*) from messages where text = 'only once'"));
        Assert.Equal(1, await stack.Database.CountAsync(agent.Tenant.Id, Commands, first.GetProperty("id").GetGuid().ToString()));
    }

    [Fact]
    public async Task Concurrent_retries_of_one_idempotency_key_make_one_message_and_one_send()
    {
        var (agent, conversation, _) = await OpenConversationAsync();
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ =>
            agent.SendAsync(HttpMethod.Post, Path(conversation), new { type = "text", text = "retry storm" }, key)));

        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, r.StatusCode.ToString()));
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        var ids = bodies.Select(b => JsonDocument.Parse(b).RootElement.GetProperty("id").GetGuid()).Distinct().ToList();
        Assert.Single(ids);
        Assert.Equal(1, await stack.Database.CountAsync(agent.Tenant.Id, "select count(*) from messages where text = 'retry storm'"));
        Assert.Equal(1, await stack.Database.CountAsync(agent.Tenant.Id, Commands, ids[0].ToString()));
    }

    [Fact]
    public async Task A_reused_idempotency_key_with_another_body_is_422_and_a_missing_key_is_400()
    {
        var (agent, conversation, _) = await OpenConversationAsync();
        var key = Guid.NewGuid().ToString();
        await agent.PostJsonAsync(Path(conversation), new { type = "text", text = "first" }, HttpStatusCode.Created, key);

        await Agent.ProblemAsync(await agent.SendAsync(HttpMethod.Post, Path(conversation), new { type = "text", text = "second" }, key),
            HttpStatusCode.UnprocessableEntity, "urn:inbox:problem:idempotency-key-reused");
        await Agent.AssertInvalidAsync(await agent.SendAsync(HttpMethod.Post, Path(conversation), new { type = "text", text = "x" }),
            "Idempotency-Key");
        Assert.Equal(0, await stack.Database.CountAsync(agent.Tenant.Id, "select count(*) from messages where text in ('second', 'x')"));
    }

    [Fact]
    public async Task A_free_form_message_after_the_window_closed_is_409_but_a_template_is_sent()
    {
        var (agent, conversation, _) = await OpenConversationAsync(DateTimeOffset.UtcNow.AddHours(-25));
        await stack.TemplatesReadAsync(agent.Tenant);

        var refused = await Agent.ProblemAsync(
            await agent.SendAsync(HttpMethod.Post, Path(conversation), new { type = "text", text = "too late" }, Guid.NewGuid().ToString()),
            HttpStatusCode.Conflict, "urn:inbox:problem:window-closed");
        Assert.Contains("template", refused.GetProperty("detail").GetString());
        await Agent.ProblemAsync(await agent.SendAsync(HttpMethod.Post, Path(conversation),
            new { type = "image", link = "https://example.test/a.png" }, Guid.NewGuid().ToString()), HttpStatusCode.Conflict);

        var template = await agent.SendMessageAsync(conversation, new
        {
            type = "template",
            template = new
            {
                name = "order_update", language = "en_US",
                components = new[] { new { type = "body", parameters = new[] { new { type = "text", text = "Ana" }, new { type = "text", text = "#42" } } } },
            },
        });
        Assert.Equal("queued", template.GetProperty("status").GetString());
        Assert.Equal("Hi Ana, your order #42 is on its way.", template.GetProperty("text").GetString());
        Assert.Equal(0, await stack.Database.CountAsync(agent.Tenant.Id, "select count(*) from messages where text = 'too late'"));
    }

    [Fact]
    public async Task An_unknown_template_is_422_and_a_wrong_parameter_count_names_the_components()
    {
        var (agent, conversation, _) = await OpenConversationAsync();
        await stack.TemplatesReadAsync(agent.Tenant);

        await Agent.ProblemAsync(await agent.SendAsync(HttpMethod.Post, Path(conversation),
                new { type = "template", template = new { name = "no_such_template", language = "en_US" } }, Guid.NewGuid().ToString()),
            HttpStatusCode.UnprocessableEntity, "urn:inbox:problem:unknown-template");
        await Agent.ProblemAsync(await agent.SendAsync(HttpMethod.Post, Path(conversation),
                new { type = "template", template = new { name = "hello_world", language = "de_DE" } }, Guid.NewGuid().ToString()),
            HttpStatusCode.UnprocessableEntity, "urn:inbox:problem:unknown-template");
        await Agent.AssertInvalidAsync(await agent.SendAsync(HttpMethod.Post, Path(conversation),
            new { type = "template", template = new { name = "order_update", language = "en_US" } }, Guid.NewGuid().ToString()),
            "template.components");
    }

    [Fact]
    public async Task A_send_based_on_a_message_that_is_no_longer_the_latest_is_409_with_the_latest_id()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        var (conversation, _) = await stack.CustomerWritesAsync(tenant, "4917077770001", "first", at: DateTimeOffset.UtcNow.AddSeconds(-5));
        var seen = (await agent.GetJsonAsync(Path(conversation))).GetProperty("items")[0].GetProperty("id").GetGuid();
        await stack.CustomerWritesAsync(tenant, "4917077770001", "actually, cancel that");

        var stale = await Agent.ProblemAsync(await agent.SendAsync(HttpMethod.Post, Path(conversation),
            new { type = "text", text = "Sure, done!", basedOnMessageId = seen }, Guid.NewGuid().ToString()),
            HttpStatusCode.Conflict, "urn:inbox:problem:not-latest-message");

        var latest = stale.GetProperty("latestMessageId").GetGuid();
        Assert.NotEqual(seen, latest);
        await agent.SendMessageAsync(conversation, new { type = "text", text = "Cancelled.", basedOnMessageId = latest });
    }

    [Fact]
    public async Task A_private_note_is_stored_and_shown_but_never_queued_for_WhatsApp_even_with_the_window_closed()
    {
        var (agent, conversation, _) = await OpenConversationAsync(DateTimeOffset.UtcNow.AddDays(-3));

        var note = await agent.SendMessageAsync(conversation, new { type = "note", text = "Customer is a reseller" });

        Assert.Equal("note", note.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, note.GetProperty("status").ValueKind);
        Assert.Equal(0, await stack.Database.CountAsync(agent.Tenant.Id, Commands, note.GetProperty("id").GetGuid().ToString()));
        Assert.Equal(0, await stack.Database.CountAsync(agent.Tenant.Id, "select count(*) from messages where type = 'note' and payload is not null"));
        var history = await agent.GetJsonAsync(Path(conversation));
        Assert.Equal("Customer is a reseller", history.GetProperty("items")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Replies_reactions_and_media_by_link_carry_their_WhatsApp_shapes()
    {
        var (agent, conversation, wamid) = await OpenConversationAsync();
        var customerMessage = (await agent.GetJsonAsync(Path(conversation))).GetProperty("items")[0].GetProperty("id").GetGuid();

        var reply = await agent.SendMessageAsync(conversation, new { type = "text", text = "Replying", replyToMessageId = customerMessage });
        var reaction = await agent.SendMessageAsync(conversation, new { type = "reaction", reaction = new { messageId = customerMessage, emoji = "👍" } });
        var document = await agent.SendMessageAsync(conversation,
            new { type = "document", link = "https://example.test/invoice.pdf", caption = "Your invoice", filename = "invoice.pdf" });

        Assert.Equal(wamid, reply.GetProperty("replyToWamid").GetString());
        const string payload = "select count(*) from messages where id = $1 and payload @> $2::jsonb";
        Assert.Equal(1, await stack.Database.CountAsync(agent.Tenant.Id, payload, reply.GetProperty("id").GetGuid(),
            JsonSerializer.Serialize(new { context = new { message_id = wamid } })));
        Assert.Equal(1, await stack.Database.CountAsync(agent.Tenant.Id, payload, reaction.GetProperty("id").GetGuid(),
            JsonSerializer.Serialize(new { type = "reaction", reaction = new { message_id = wamid, emoji = "👍" } })));
        Assert.Equal(1, await stack.Database.CountAsync(agent.Tenant.Id, payload, document.GetProperty("id").GetGuid(),
            JsonSerializer.Serialize(new { type = "document", document = new { link = "https://example.test/invoice.pdf", caption = "Your invoice", filename = "invoice.pdf" } })));
        Assert.Equal("https://example.test/invoice.pdf", document.GetProperty("content").GetProperty("link").GetString());
    }

    [Fact]
    public async Task Replying_to_or_reacting_on_a_message_not_yet_sent_is_409_and_to_another_conversations_message_400()
    {
        var (agent, conversation, _) = await OpenConversationAsync();
        var queued = (await agent.SendMessageAsync(conversation, new { type = "text", text = "queued" })).GetProperty("id").GetGuid();
        // Workers may send it at once: once they have, take its wamid away again, so it is a message WhatsApp has not
        // named yet whatever the timing. Its send state goes too, or a late status webhook of the simulator would name
        // it again (reconcile_outbound_wamid).
        for (var i = 0; i < 100 && (await agent.GetJsonAsync($"/api/messages/{queued}")).GetProperty("wamid").ValueKind == System.Text.Json.JsonValueKind.Null; i++)
            await Task.Delay(100);
        await stack.Database.ExecuteAsync(agent.Tenant.Id, "update messages set wamid = null, send_state = null where id = $1", queued);

        await Agent.ProblemAsync(await agent.SendAsync(HttpMethod.Post, Path(conversation),
            new { type = "reaction", reaction = new { messageId = queued, emoji = "❤" } }, Guid.NewGuid().ToString()), HttpStatusCode.Conflict);
        await Agent.AssertInvalidAsync(await agent.SendAsync(HttpMethod.Post, Path(conversation),
            new { type = "text", text = "x", replyToMessageId = Guid.NewGuid() }, Guid.NewGuid().ToString()), "replyToMessageId");
    }

    [Theory]
    [InlineData("""{"type":"fax"}""", "type")]
    [InlineData("""{"type":"text"}""", "text")]
    [InlineData("""{"type":"text","text":"   "}""", "text")]
    [InlineData("""{"type":"image","link":"ftp://x/y.png"}""", "link")]
    [InlineData("""{"type":"audio","link":"https://x.test/a.ogg","caption":"no"}""", "caption")]
    [InlineData("""{"type":"image","link":"https://x.test/a.png","filename":"a.png"}""", "filename")]
    [InlineData("""{"type":"template","template":{"language":"en_US"}}""", "template.name")]
    [InlineData("""{"type":"template","template":{"name":"hello_world"}}""", "template.language")]
    [InlineData("""{"type":"reaction","reaction":{"emoji":"x"}}""", "reaction.messageId")]
    [InlineData("""{"type":"note","text":"n","replyToMessageId":"0195a000-0000-7000-8000-000000000001"}""", "replyToMessageId")]
    public async Task Invalid_sends_are_validation_problems_naming_the_field(string body, string field)
    {
        var (agent, conversation, _) = await OpenConversationAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, Path(conversation))
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", agent.AccessToken);
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());

        await Agent.AssertInvalidAsync(await stack.Api.Http.SendAsync(request), field);
    }

    [Fact]
    public async Task Text_over_4096_characters_is_refused()
    {
        var (agent, conversation, _) = await OpenConversationAsync();
        await Agent.AssertInvalidAsync(await agent.SendAsync(HttpMethod.Post, Path(conversation),
            new { type = "text", text = new string('a', 4097) }, Guid.NewGuid().ToString()), "text");
    }

    [Fact]
    public async Task History_pages_backwards_with_a_before_cursor_newest_first()
    {
        var (agent, conversation, _) = await OpenConversationAsync(DateTimeOffset.UtcNow.AddMinutes(-1));
        for (var i = 1; i <= 4; i++) await agent.SendMessageAsync(conversation, new { type = "note", text = $"note {i}" });

        var first = await agent.GetJsonAsync(Path(conversation) + "?limit=2");
        var second = await agent.GetJsonAsync(Path(conversation) + "?limit=2&before=" + first.GetProperty("nextCursor").GetString());
        var third = await agent.GetJsonAsync(Path(conversation) + "?limit=2&before=" + second.GetProperty("nextCursor").GetString());

        string[] Texts(JsonElement page) => page.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("text").GetString() ?? "").ToArray();
        Assert.Equal(["note 4", "note 3"], Texts(first));
        Assert.Equal(["note 2", "note 1"], Texts(second));
        Assert.Equal(["hello"], Texts(third));
        Assert.Equal(JsonValueKind.Null, third.GetProperty("nextCursor").ValueKind);
        await Agent.AssertInvalidAsync(await agent.GetAsync(Path(conversation) + "?before=garbage"), "before");
    }

    [Fact]
    public async Task Another_tenants_message_is_404()
    {
        var (mine, _, _) = await OpenConversationAsync();
        var (theirs, conversation, _) = await OpenConversationAsync();
        var id = (await theirs.SendMessageAsync(conversation, new { type = "note", text = "secret" })).GetProperty("id").GetGuid();

        await Agent.ProblemAsync(await mine.GetAsync($"/api/messages/{id}"), HttpStatusCode.NotFound);
        Assert.Equal("secret", (await theirs.GetJsonAsync($"/api/messages/{id}")).GetProperty("text").GetString());
    }
}
