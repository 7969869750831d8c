using System.Net;
using Inbox.Contracts;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration;

/// <summary>
/// A send whose answer never came back (timeout): its outcome is unknown and it is not re-sent; WhatsApp's status
/// webhooks, which echo the message id in biz_opaque_callback_data, settle it.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class OutboundReconciliationTests(InboxStack stack)
{
    private async Task<(Agent Agent, Guid Conversation, Guid MessageId)> UnknownOutcomeAsync()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        var (conversation, _) = await stack.CustomerWritesAsync(tenant, "4917012340001", "hi");
        var messageId = Guid.CreateVersion7();
        // The state SendWhatsAppMessageConsumer leaves after a timeout: queued, no wamid, send_state unknown.
        await stack.Database.ExecuteAsync(tenant.Id, """
            insert into messages (id, tenant_id, conversation_id, channel_id, direction, type, text, sent_at, status, status_at,
                                  send_state, send_attempts, sender_user_id)
            select $1, tenant_id, id, channel_id, 'outbound', 'text', 'did it go?', now(), 'queued', now(), 'unknown', 1, $3
            from conversations where id = $2
            """, messageId, conversation, agent.UserId);
        return (agent, conversation, messageId);
    }

    [Fact]
    public async Task A_status_webhook_naming_the_message_assigns_its_wamid_and_applies_the_status()
    {
        var (agent, conversation, messageId) = await UnknownOutcomeAsync();
        await using var hub = await HubClient.ConnectAsync(stack.Realtime.BaseAddress, agent.AccessToken);
        await hub.InvokeAsync("JoinConversation", conversation);
        var wamid = Webhooks.NewWamid();

        var body = Webhooks.Envelope([Webhooks.StatusChange(agent.Tenant.PhoneNumberId, wamid, "delivered", messageId.ToString())]);
        Assert.Equal(HttpStatusCode.OK, (await stack.Ingest.Http.SendAsync(Webhooks.Signed(body))).StatusCode);

        var message = await agent.GetJsonAsync($"/api/messages/{messageId}");
        Assert.Equal(wamid, message.GetProperty("wamid").GetString());
        Assert.Equal("delivered", message.GetProperty("status").GetString());
        var status = await hub.WaitForAsync(HubEvents.MessageStatus,
            e => e.GetProperty("messageId").GetGuid() == messageId, TimeSpan.FromSeconds(20));
        Assert.Equal(wamid, status.GetProperty("wamid").GetString());
        Assert.Equal(1, await stack.Database.CountAsync(agent.Tenant.Id,
            "select count(*) from messages where id = $1 and send_state = 'accepted'", messageId));
    }

    [Fact]
    public async Task A_status_naming_another_tenants_message_only_parks()
    {
        var (victim, _, messageId) = await UnknownOutcomeAsync();
        var attacker = await stack.CreateTenantAsync();
        var wamid = Webhooks.NewWamid();

        var body = Webhooks.Envelope([Webhooks.StatusChange(attacker.PhoneNumberId, wamid, "read", messageId.ToString())]);
        Assert.Equal(HttpStatusCode.OK, (await stack.Ingest.Http.SendAsync(Webhooks.Signed(body))).StatusCode);

        var message = await victim.GetJsonAsync($"/api/messages/{messageId}");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, message.GetProperty("wamid").ValueKind);
        Assert.Equal("queued", message.GetProperty("status").GetString());
        Assert.Equal(1, await stack.Database.CountAsync(attacker.Id, "select count(*) from pending_statuses where wamid = $1", wamid));
    }
}
