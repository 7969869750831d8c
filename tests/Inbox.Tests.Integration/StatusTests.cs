using System.Net;
using Inbox.Contracts;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration;

/// <summary>Delivery statuses: a monotonic state machine — ticks never go backwards, duplicates change nothing.</summary>
[Collection(StackCollection.Name)]
public sealed class StatusTests(InboxStack stack)
{
    private const string From = "4915333000001";

    /// <summary>A conversation with one outbound message the business sent (as the agent API will store it).</summary>
    private async Task<(TestTenant Tenant, Guid ConversationId, Guid MessageId, string Wamid)> OutboundAsync(bool withWamid = true)
    {
        var tenant = await stack.CreateTenantAsync();
        var inbound = Fixtures.Message("text", InboundTypesTests.Values(Webhooks.NewWamid()).With("$FROM", From));
        await PostAsync(tenant, Fixtures.Change(tenant.PhoneNumberId, Fixtures.Contact(From, "Customer"), [inbound]));
        var conversationId = (Guid)(await stack.Database.ScalarAsync(tenant.Id, "select id from conversations"))!;
        var messageId = Guid.CreateVersion7();
        var wamid = Webhooks.NewWamid();
        await stack.Database.ScalarAsync(tenant.Id, """
            insert into messages (id, tenant_id, conversation_id, channel_id, wamid, direction, type, text, sent_at, status, status_at)
            select $1, c.tenant_id, c.id, c.channel_id, $3, 'outbound', 'text', 'Your order ships today', now(), 'queued', now()
            from conversations c where c.id = $2
            """, messageId, conversationId, withWamid ? wamid : DBNull.Value);
        return (tenant, conversationId, messageId, wamid);
    }

    private async Task PostAsync(TestTenant tenant, string change)
    {
        var response = await stack.Ingest.Http.SendAsync(Webhooks.Signed(Fixtures.Envelope([change])));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private Task PostStatusesAsync(TestTenant tenant, string wamid, params string[] statuses) =>
        PostAsync(tenant, Fixtures.Change(tenant.PhoneNumberId, statuses: statuses.Select(s =>
            Fixtures.Status(s, new Dictionary<string, string> { ["$WAMID"] = wamid, ["$FROM"] = From }))));

    private async Task<string?> StatusOfAsync(TestTenant tenant, Guid messageId) =>
        (string?)await stack.Database.ScalarAsync(tenant.Id, "select status from messages where id = $1", messageId);

    [Theory]
    [InlineData("sent")]
    [InlineData("delivered")]
    [InlineData("read")]
    [InlineData("played")]
    [InlineData("failed")]
    public async Task Each_status_is_applied_with_its_own_timestamp(string status)
    {
        var (tenant, _, messageId, wamid) = await OutboundAsync();

        await PostStatusesAsync(tenant, wamid, status);

        Assert.Equal(status, await StatusOfAsync(tenant, messageId));
        Assert.NotNull(await stack.Database.ScalarAsync(tenant.Id, $"select status_{status}_at from messages where id = $1", messageId));
    }

    [Fact]
    public async Task Out_of_order_and_duplicated_statuses_never_move_the_ticks_backwards()
    {
        var (tenant, conversationId, messageId, wamid) = await OutboundAsync();
        await using var agent = await stack.ConnectAgentAsync(tenant);
        await agent.InvokeAsync("JoinConversation", conversationId);

        // Meta retries and does not order: read first, then sent and delivered, each twice.
        await PostStatusesAsync(tenant, wamid, "read", "sent", "delivered");
        await PostStatusesAsync(tenant, wamid, "delivered", "sent", "read");

        Assert.Equal("read", await StatusOfAsync(tenant, messageId));
        Assert.Equal(3, await stack.Database.CountAsync(tenant.Id, """
            select (status_sent_at is not null)::int + (status_delivered_at is not null)::int + (status_read_at is not null)::int
            from messages where id = $1
            """, messageId));
        Assert.Equal("service", await stack.Database.ScalarAsync(tenant.Id, "select pricing_category from messages where id = $1", messageId));
        var pushed = await agent.WaitForAsync(HubEvents.MessageStatus, 1, TimeSpan.FromSeconds(20));
        await Task.Delay(1000);
        Assert.Equal(["read"], agent.Received(HubEvents.MessageStatus).Select(e => e.GetProperty("status").GetString()));
        Assert.Equal(messageId, pushed[0].GetProperty("messageId").GetGuid());
    }

    [Fact]
    public async Task The_ticks_advance_one_event_per_step_in_order()
    {
        var (tenant, conversationId, _, wamid) = await OutboundAsync();
        await using var agent = await stack.ConnectAgentAsync(tenant);
        await agent.InvokeAsync("JoinConversation", conversationId);

        foreach (var status in new[] { "sent", "delivered", "read" }) await PostStatusesAsync(tenant, wamid, status);

        var events = await agent.WaitForAsync(HubEvents.MessageStatus, 3, TimeSpan.FromSeconds(20));
        Assert.Equal(["sent", "delivered", "read"], events.Select(e => e.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task Failed_applies_over_sent_with_its_error_but_not_over_delivered()
    {
        var (tenant, _, failing, wamid) = await OutboundAsync();
        await PostStatusesAsync(tenant, wamid, "sent", "failed");
        Assert.Equal("failed", await StatusOfAsync(tenant, failing));
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id, """
            select count(*) from messages where id = $1 and error_code = 131047 and error_title = 'Re-engagement message'
              and error_details like 'Message failed to send because more than 24 hours%'
            """, failing));

        // Failed is final: a late delivered does not revive it.
        await PostStatusesAsync(tenant, wamid, "delivered");
        Assert.Equal("failed", await StatusOfAsync(tenant, failing));

        var (other, _, delivered, otherWamid) = await OutboundAsync();
        await PostStatusesAsync(other, otherWamid, "delivered", "failed");
        Assert.Equal("delivered", await StatusOfAsync(other, delivered));
        Assert.Equal(0, await stack.Database.CountAsync(other.Id, "select count(*) from messages where error_code is not null"));
    }

    [Fact]
    public async Task A_status_for_a_wamid_not_yet_known_is_kept_and_applied_when_the_message_gets_it()
    {
        var (tenant, _, messageId, wamid) = await OutboundAsync(withWamid: false);

        // The status webhook races ahead of the Graph API's answer that names the wamid.
        await PostStatusesAsync(tenant, wamid, "delivered", "sent");
        Assert.Equal(2, await stack.Database.CountAsync(tenant.Id, "select count(*) from pending_statuses where wamid = $1", wamid));
        Assert.Equal("queued", await StatusOfAsync(tenant, messageId));

        Assert.Equal("delivered", await stack.Database.ScalarAsync(tenant.Id, "select status from assign_wamid($1, $2)", messageId, wamid));

        Assert.Equal("delivered", await StatusOfAsync(tenant, messageId));
        Assert.Equal(0, await stack.Database.CountAsync(tenant.Id, "select count(*) from pending_statuses where wamid = $1", wamid));
    }

    [Fact]
    public async Task Statuses_of_another_tenants_number_never_touch_this_tenants_message()
    {
        var (tenant, _, messageId, wamid) = await OutboundAsync();
        var other = await stack.CreateTenantAsync();

        await PostStatusesAsync(other, wamid, "read"); // same wamid, reported on another tenant's number

        Assert.Equal("queued", await StatusOfAsync(tenant, messageId));
        Assert.Equal(1, await stack.Database.CountAsync(other.Id, "select count(*) from pending_statuses where wamid = $1", wamid));
    }
}
