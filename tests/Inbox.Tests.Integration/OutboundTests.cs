using System.Net;
using System.Text.Json;
using Inbox.Contracts;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration;

/// <summary>
/// Sends from the API through Workers to the project's Cloud API simulator, and its status webhooks back through
/// WebhookIngest to the inbox: success, retries by Meta's error codes, permanent failures.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class OutboundTests(InboxStack stack)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private sealed record Chat(Agent Agent, HubClient Hub, Guid Conversation, string Customer, Guid CustomerMessageId);

    /// <summary>A customer writes through the simulator (so both sides know the window is open); the agent has the
    /// conversation open in the hub.</summary>
    private async Task<Chat> ChatAsync()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        var customer = "4915" + Random.Shared.NextInt64(100_000_000, 999_999_999);
        await stack.Simulator.CustomerWritesAsync(tenant.PhoneNumberId, customer, "Hello, I need help");
        JsonElement conversation = default;
        var deadline = DateTime.UtcNow + Timeout;
        while (conversation.ValueKind == JsonValueKind.Undefined)
        {
            var items = (await agent.GetJsonAsync("/api/conversations")).GetProperty("items");
            if (items.GetArrayLength() > 0) conversation = items[0];
            else if (DateTime.UtcNow > deadline) throw new TimeoutException("The simulator's customer message never reached the inbox.");
            else await Task.Delay(50);
        }
        var id = conversation.GetProperty("id").GetGuid();
        var hub = await HubClient.ConnectAsync(stack.Realtime.BaseAddress, agent.AccessToken);
        await hub.InvokeAsync("JoinConversation", id);
        var first = (await agent.GetJsonAsync($"/api/conversations/{id}/messages")).GetProperty("items")[0].GetProperty("id").GetGuid();
        return new Chat(agent, hub, id, customer, first);
    }

    /// <summary>Waits for a message:status event of this message with this status — or, for delivered, read (a
    /// customer who reads at once gets no delivered webhook, and statuses may arrive out of order).</summary>
    private static async Task<JsonElement> StatusAsync(Chat chat, Guid messageId, string status) =>
        await chat.Hub.WaitForAsync(HubEvents.MessageStatus,
            e => e.GetProperty("messageId").GetGuid() == messageId
                 && (e.GetProperty("status").GetString() == status || (status == "delivered" && e.GetProperty("status").GetString() == "read")),
            Timeout);

    [Fact]
    public async Task A_sent_text_gets_its_wamid_and_every_status_back_as_message_status()
    {
        var chat = await ChatAsync();
        await using var _ = chat.Hub;

        var sent = await chat.Agent.SendMessageAsync(chat.Conversation, new { type = "text", text = "Happy to help!" });
        var id = sent.GetProperty("id").GetGuid();

        var accepted = await StatusAsync(chat, id, "sent");
        var wamid = accepted.GetProperty("wamid").GetString();
        Assert.StartsWith("wamid.", wamid);
        await StatusAsync(chat, id, "read");
        var message = await chat.Agent.GetJsonAsync($"/api/messages/{id}");
        Assert.Equal("read", message.GetProperty("status").GetString());
        Assert.Equal(wamid, message.GetProperty("wamid").GetString());
        var sends = await stack.Simulator.SendsToAsync(chat.Customer);
        Assert.Equal(wamid, Assert.Single(sends).GetProperty("id").GetString());
    }

    [Fact]
    public async Task Templates_media_replies_and_reactions_are_accepted_by_the_Graph_API()
    {
        var chat = await ChatAsync();
        await using var _ = chat.Hub;
        await stack.TemplatesReadAsync(chat.Agent.Tenant);

        var ids = new List<Guid>
        {
            (await chat.Agent.SendMessageAsync(chat.Conversation, new
            {
                type = "template",
                template = new
                {
                    name = "order_update", language = "en_US",
                    components = new[] { new { type = "body", parameters = new[] { new { type = "text", text = "Ana" }, new { type = "text", text = "#7" } } } },
                },
            })).GetProperty("id").GetGuid(),
            (await chat.Agent.SendMessageAsync(chat.Conversation, new
                { type = "image", link = "https://example.test/receipt.png", caption = "Your receipt" })).GetProperty("id").GetGuid(),
            (await chat.Agent.SendMessageAsync(chat.Conversation, new
                { type = "text", text = "About this:", replyToMessageId = chat.CustomerMessageId })).GetProperty("id").GetGuid(),
            (await chat.Agent.SendMessageAsync(chat.Conversation, new
                { type = "reaction", reaction = new { messageId = chat.CustomerMessageId, emoji = "👍" } })).GetProperty("id").GetGuid(),
        };

        foreach (var id in ids) await StatusAsync(chat, id, "sent");
        Assert.Equal(4, (await stack.Simulator.SendsToAsync(chat.Customer)).Count);
    }

    [Fact]
    public async Task Concurrent_retries_of_one_idempotency_key_reach_WhatsApp_once()
    {
        var chat = await ChatAsync();
        await using var _ = chat.Hub;
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => chat.Agent.SendAsync(HttpMethod.Post,
            $"/api/conversations/{chat.Conversation}/messages", new { type = "text", text = "exactly once" }, key)));
        var id = JsonDocument.Parse(await responses[0].Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        await StatusAsync(chat, id, "delivered");

        await Task.Delay(1000); // a second send, if any, would have been made by now
        Assert.Single(await stack.Simulator.SendsToAsync(chat.Customer));
    }

    [Theory]
    [InlineData(130429)]
    [InlineData(131056)]
    [InlineData(131000)]
    [InlineData(131016)]
    public async Task A_transient_error_is_retried_with_back_off_until_the_send_goes_through(int code)
    {
        var chat = await ChatAsync();
        await using var _ = chat.Hub;
        await stack.Simulator.FailNextSendsAsync(chat.Agent.Tenant.PhoneNumberId, code, count: 2);

        var id = (await chat.Agent.SendMessageAsync(chat.Conversation, new { type = "text", text = "third time lucky" })).GetProperty("id").GetGuid();

        await StatusAsync(chat, id, "delivered");
        Assert.Equal(0, await stack.Simulator.PendingFailuresAsync(chat.Agent.Tenant.PhoneNumberId));
        Assert.Single(await stack.Simulator.SendsToAsync(chat.Customer));
        var message = await chat.Agent.GetJsonAsync($"/api/messages/{id}");
        Assert.Equal(JsonValueKind.Null, message.GetProperty("errorCode").ValueKind);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(190)]
    [InlineData(131026)]
    [InlineData(131047)]
    public async Task A_permanent_error_fails_the_message_at_once_with_the_error_stored(int code)
    {
        var chat = await ChatAsync();
        await using var _ = chat.Hub;
        await stack.Simulator.FailNextSendsAsync(chat.Agent.Tenant.PhoneNumberId, code, count: 2, asynchronous: false);

        var id = (await chat.Agent.SendMessageAsync(chat.Conversation, new { type = "text", text = "doomed" })).GetProperty("id").GetGuid();

        var failed = await StatusAsync(chat, id, "failed");
        Assert.Equal(code, failed.GetProperty("errorCode").GetInt32());
        Assert.False(string.IsNullOrEmpty(failed.GetProperty("errorTitle").GetString()));
        Assert.Equal(1, await stack.Simulator.PendingFailuresAsync(chat.Agent.Tenant.PhoneNumberId)); // one attempt, no retry
        var message = await chat.Agent.GetJsonAsync($"/api/messages/{id}");
        Assert.Equal("failed", message.GetProperty("status").GetString());
        Assert.Equal(code, message.GetProperty("errorCode").GetInt32());
        Assert.Empty(await stack.Simulator.SendsToAsync(chat.Customer));
    }

    [Fact]
    public async Task When_retries_are_spent_the_last_error_is_stored()
    {
        var chat = await ChatAsync();
        await using var _ = chat.Hub;
        await stack.Simulator.FailNextSendsAsync(chat.Agent.Tenant.PhoneNumberId, 131016, count: 10);

        var id = (await chat.Agent.SendMessageAsync(chat.Conversation, new { type = "text", text = "never" })).GetProperty("id").GetGuid();

        var failed = await StatusAsync(chat, id, "failed");
        Assert.Equal(131016, failed.GetProperty("errorCode").GetInt32());
        Assert.Equal(10 - 4, await stack.Simulator.PendingFailuresAsync(chat.Agent.Tenant.PhoneNumberId)); // 1 try + 3 retries
    }

    [Fact]
    public async Task A_send_that_timed_out_is_not_sent_again_and_WhatsApps_status_webhook_settles_it()
    {
        var chat = await ChatAsync();
        await using var _ = chat.Hub;
        // Meta answers only after the attempt's timeout (5 s here), and takes the message anyway. A second slow answer
        // is planned too: a retry after the timeout would take it, and reach the customer twice.
        await stack.Simulator.DelayNextSendsAsync(chat.Agent.Tenant.PhoneNumberId, TimeSpan.FromSeconds(7), count: 2);

        var id = (await chat.Agent.SendMessageAsync(chat.Conversation, new { type = "text", text = "slow but sure" })).GetProperty("id").GetGuid();

        var unknown = await chat.Hub.WaitForAsync(HubEvents.MessageStatus,
            e => e.GetProperty("messageId").GetGuid() == id && e.GetProperty("errorTitle").GetString() is { Length: > 0 }, Timeout);
        Assert.Equal("queued", unknown.GetProperty("status").GetString());
        Assert.StartsWith("No answer from WhatsApp", unknown.GetProperty("errorTitle").GetString());
        await StatusAsync(chat, id, "delivered"); // the status webhooks name the message: WebhookIngest assigns the wamid
        Assert.Single(await stack.Simulator.SendsToAsync(chat.Customer));
        Assert.Equal(1, await stack.Simulator.PendingFailuresAsync(chat.Agent.Tenant.PhoneNumberId));
    }

    [Fact]
    public async Task A_failure_WhatsApp_reports_after_accepting_arrives_as_a_failed_status()
    {
        var chat = await ChatAsync();
        await using var _ = chat.Hub;
        await stack.Simulator.FailNextSendsAsync(chat.Agent.Tenant.PhoneNumberId, 131026, count: 1, asynchronous: true);

        var id = (await chat.Agent.SendMessageAsync(chat.Conversation, new { type = "text", text = "undeliverable" })).GetProperty("id").GetGuid();

        await StatusAsync(chat, id, "sent");
        var failed = await StatusAsync(chat, id, "failed");
        Assert.Equal(131026, failed.GetProperty("errorCode").GetInt32());
        Assert.Equal("failed", (await chat.Agent.GetJsonAsync($"/api/messages/{id}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Reading_a_conversation_sends_WhatsApp_a_read_receipt_when_the_tenant_enables_it()
    {
        var chat = await ChatAsync();
        await using var _ = chat.Hub;
        var owner = await stack.LoginAgentAsync(chat.Agent.Tenant, owner: true);
        await owner.PutJsonAsync("/api/settings", new { readReceipts = true, autoResolveAfterMinutes = (int?)null });
        var before = await stack.Simulator.ReadMarksAsync();

        await chat.Agent.PostJsonAsync($"/api/conversations/{chat.Conversation}/read", null);

        var deadline = DateTime.UtcNow + Timeout;
        while (await stack.Simulator.ReadMarksAsync() == before)
        {
            Assert.True(DateTime.UtcNow < deadline, "No read receipt reached the Graph API.");
            await Task.Delay(50);
        }
    }
}
