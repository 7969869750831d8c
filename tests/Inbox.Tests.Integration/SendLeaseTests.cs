using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Inbox.Tests.Integration.Infrastructure;
using Inbox.WhatsApp;

namespace Inbox.Tests.Integration;

/// <summary>
/// A send held by a Workers process that died: once its lease ends, a claim with no Graph call in flight is sent
/// (exactly once, as the simulator's delivery ledger counts), and one that died mid-call is never sent again — it
/// becomes "unknown" and Meta's status webhook, naming the message in biz_opaque_callback_data, settles it.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class SendLeaseTests(InboxStack stack)
{
    private sealed record Chat(Agent Agent, Guid Conversation, string Customer);

    /// <summary>A customer writes through the simulator, so its side knows the 24-hour window is open.</summary>
    private async Task<Chat> ChatAsync()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        var customer = "4916" + Random.Shared.NextInt64(100_000_000, 999_999_999);
        await stack.Simulator.CustomerWritesAsync(tenant.PhoneNumberId, customer, "Where is my order?");
        var conversation = await Eventually.ReadAsync(() => stack.Database.ScalarAsync(tenant.Id, "select id from conversations"), c => c is Guid);
        return new Chat(agent, (Guid)conversation!, customer);
    }

    /// <summary>What a Workers process that died leaves behind: the send in <paramref name="state"/>, claimed by it, its lease over.</summary>
    private async Task<(Guid Id, string Payload)> AbandonedSendAsync(Chat chat, string state)
    {
        var id = Guid.CreateVersion7();
        var payload = new OutboundMessage
        {
            Type = "text", To = chat.Customer, Text = new OutboundText("Your order ships today."), BizOpaqueCallbackData = id.ToString(),
        }.ToJson();
        await stack.Database.ExecuteAsync(chat.Agent.Tenant.Id, """
            insert into messages (id, tenant_id, conversation_id, channel_id, direction, type, text, payload, sent_at, status,
                                  status_at, send_state, send_attempts, sender_user_id, send_claim_id, send_claimed_by,
                                  send_claimed_at, send_lease_until)
            select $1, tenant_id, id, channel_id, 'outbound', 'text', 'Your order ships today.', $3::jsonb, now(), 'queued',
                   now(), $4, 1, $5, gen_random_uuid(), 'dead-host/4242', now() - interval '3 minutes', now() - interval '1 minute'
            from conversations where id = $2
            """, id, chat.Conversation, payload, state, chat.Agent.UserId);
        return (id, payload);
    }

    [Fact]
    public async Task A_claim_left_by_a_dead_worker_is_sent_exactly_once_after_its_lease_in_every_tenant()
    {
        var chats = new[] { await ChatAsync(), await ChatAsync() };
        var sends = new List<(Chat Chat, Guid Id)>();
        foreach (var chat in chats) sends.Add((chat, (await AbandonedSendAsync(chat, "claimed")).Id));

        foreach (var (chat, id) in sends)
        {
            var message = await Eventually.ReadAsync(() => chat.Agent.GetJsonAsync($"/api/messages/{id}"),
                m => m.GetProperty("wamid").ValueKind == JsonValueKind.String);
            var accepted = Assert.Single(await stack.Simulator.SendsToAsync(chat.Customer));
            Assert.Equal(message.GetProperty("wamid").GetString(), accepted.GetProperty("id").GetString());
        }
        await Task.Delay(TimeSpan.FromSeconds(3)); // several sweeps later, still one send each
        foreach (var (chat, id) in sends)
        {
            Assert.Single(await stack.Simulator.SendsToAsync(chat.Customer));
            Assert.Equal(1, await stack.Database.CountAsync(chat.Agent.Tenant.Id,
                "select count(*) from messages where id = $1 and send_state = 'accepted' and send_attempts = 2 and send_claimed_by <> 'dead-host/4242'", id));
        }
    }

    [Fact]
    public async Task A_send_that_died_during_its_Graph_call_is_not_sent_again_and_Metas_status_webhook_settles_it()
    {
        var chat = await ChatAsync();
        var (id, payload) = await AbandonedSendAsync(chat, "sending");

        await Eventually.ReadAsync(() => stack.Database.CountAsync(chat.Agent.Tenant.Id,
            "select count(*) from messages where id = $1 and send_state = 'unknown'", id), n => n == 1);
        var message = await chat.Agent.GetJsonAsync($"/api/messages/{id}");
        Assert.Equal("queued", message.GetProperty("status").GetString());
        Assert.Contains("stopped during the call to WhatsApp", message.GetProperty("errorTitle").GetString());
        Assert.Empty(await stack.Simulator.SendsToAsync(chat.Customer));

        // Meta had taken the dead worker's call: its status webhooks (late, as after an outage) name our message.
        var tenant = chat.Agent.Tenant;
        var graphCall = new HttpRequestMessage(HttpMethod.Post, $"/v24.0/{tenant.PhoneNumberId}/messages")
        {
            Content = new StringContent(payload, System.Text.Encoding.UTF8, "application/json"),
        };
        graphCall.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "token-" + tenant.Slug[2..]);
        var accepted = await (await stack.Simulator.Http.SendAsync(graphCall)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
        var wamid = accepted.GetProperty("messages")[0].GetProperty("id").GetString();

        message = await Eventually.ReadAsync(() => chat.Agent.GetJsonAsync($"/api/messages/{id}"),
            m => m.GetProperty("wamid").GetString() == wamid && m.GetProperty("status").GetString() is "delivered" or "read");
        await Task.Delay(TimeSpan.FromSeconds(2)); // several sweeps later: still only that one send
        Assert.Single(await stack.Simulator.SendsToAsync(chat.Customer));
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id,
            "select count(*) from messages where id = $1 and send_state = 'accepted' and send_attempts = 1", id));
    }
}
