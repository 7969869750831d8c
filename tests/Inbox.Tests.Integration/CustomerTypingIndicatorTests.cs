using System.Text.Json;
using Inbox.Realtime;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration;

/// <summary>
/// An agent typing a reply shows the customer WhatsApp's "typing…" (a read mark with typing_indicator, sent by Workers
/// through the Graph API — here the simulator, which records every read mark): once per window per conversation,
/// across Realtime instances, only with read receipts on, within the 24-hour window, and never for a note.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class CustomerTypingIndicatorTests(InboxStack stack)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private async Task<TestTenant> TenantAsync(bool readReceipts)
    {
        var tenant = await stack.CreateTenantAsync();
        await (await stack.LoginAgentAsync(tenant, owner: true)).PutJsonAsync("/api/settings", new { readReceipts, autoResolveAfterMinutes = (int?)null });
        return tenant;
    }

    private async Task<HubClient> InConversationAsync(Agent agent, Guid conversationId, ServiceHost<InboxHub>? instance = null)
    {
        var client = await HubClient.ConnectAsync((instance ?? stack.Realtime).BaseAddress, agent.AccessToken);
        await client.InvokeAsync("JoinConversation", conversationId);
        return client;
    }

    private async Task<List<JsonElement>> TypingIndicatorsAsync(TestTenant tenant) =>
        (await stack.Simulator.ReadMarksOfAsync(tenant.PhoneNumberId)).Where(r => r.GetProperty("typingIndicator").GetBoolean()).ToList();

    private async Task<List<JsonElement>> WaitForTypingIndicatorsAsync(TestTenant tenant, int count)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            var shown = await TypingIndicatorsAsync(tenant);
            if (shown.Count >= count) return shown;
            Assert.True(DateTime.UtcNow < deadline, $"{shown.Count} typing indicators reached the Graph API, not {count}.");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Agents_typing_a_reply_on_two_instances_show_the_customer_typing_once_in_the_window()
    {
        var tenant = await TenantAsync(readReceipts: true);
        var (conversation, _) = await stack.CustomerWritesAsync(tenant, "4915200000101", "first", at: DateTimeOffset.UtcNow.AddMinutes(-1));
        var (_, newest) = await stack.CustomerWritesAsync(tenant, "4915200000101", "second");
        await using var second = InboxStack.NewRealtime().Start();
        await InboxStack.WaitForBusAsync(second);
        await using var agent = await InConversationAsync(await stack.LoginAgentAsync(tenant), conversation);
        await using var owner = await InConversationAsync(await stack.LoginAgentAsync(tenant, owner: true), conversation, second);

        // Five seconds of typing by both: each connection passes a start on every 2 s (the typing throttle).
        for (var i = 0; i < 20; i++)
        {
            await agent.InvokeAsync("StartTyping", conversation, false);
            await owner.InvokeAsync("StartTyping", conversation, false);
            await Task.Delay(250);
        }

        var shown = Assert.Single(await WaitForTypingIndicatorsAsync(tenant, 1));
        Assert.Equal(newest, shown.GetProperty("messageId").GetString()); // the newest customer message is marked read
        await Task.Delay(TimeSpan.FromSeconds(2)); // anything else on its way would have arrived
        Assert.Single(await TypingIndicatorsAsync(tenant));
    }

    [Fact]
    public async Task Once_the_window_has_passed_typing_shows_it_again()
    {
        var tenant = await TenantAsync(readReceipts: true);
        var (conversation, wamid) = await stack.CustomerWritesAsync(tenant, "4915200000102", "hello");
        await using var instance = InboxStack.NewRealtime(new() { ["Realtime:CustomerTypingSeconds"] = "3" }).Start();
        await InboxStack.WaitForBusAsync(instance);
        await using var agent = await InConversationAsync(await stack.LoginAgentAsync(tenant), conversation, instance);
        await using var owner = await InConversationAsync(await stack.LoginAgentAsync(tenant, owner: true), conversation, instance);

        await agent.InvokeAsync("StartTyping", conversation, false);
        await WaitForTypingIndicatorsAsync(tenant, 1);
        await owner.InvokeAsync("StartTyping", conversation, false); // within the window: nothing more
        await Task.Delay(TimeSpan.FromSeconds(3.5));
        await owner.InvokeAsync("StopTyping", conversation);
        await owner.InvokeAsync("StartTyping", conversation, false); // the window is over

        var shown = await WaitForTypingIndicatorsAsync(tenant, 2);
        Assert.Equal(2, shown.Count);
        Assert.All(shown, s => Assert.Equal(wamid, s.GetProperty("messageId").GetString()));
    }

    [Fact]
    public async Task A_typing_indicator_held_up_past_its_25_seconds_goes_as_a_plain_read_mark()
    {
        var tenant = await TenantAsync(readReceipts: true);
        var (conversation, wamid) = await stack.CustomerWritesAsync(tenant, "4915200000106", "hello");

        // What Realtime queues, published a minute late (a broker outage): the customer would see "typing…" for nothing.
        await stack.Database.ExecuteAsync(tenant.Id, """
            insert into outbox (tenant_id, message_type, payload)
            select c.tenant_id, 'Inbox.Contracts.SendReadReceipt', jsonb_build_object('tenantId', c.tenant_id,
                   'conversationId', c.id, 'channelId', c.channel_id, 'messageId', m.id, 'wamid', m.wamid,
                   'typingAt', now() - interval '1 minute')
            from conversations c join messages m on m.conversation_id = c.id where c.id = $1
            """, conversation);

        var deadline = DateTime.UtcNow + Wait;
        List<JsonElement> marks;
        while ((marks = await stack.Simulator.ReadMarksOfAsync(tenant.PhoneNumberId)).Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "No read mark reached the Graph API.");
            await Task.Delay(100);
        }
        var mark = Assert.Single(marks);
        Assert.Equal((wamid, false), (mark.GetProperty("messageId").GetString(), mark.GetProperty("typingIndicator").GetBoolean()));
    }

    [Fact]
    public async Task No_typing_indicator_without_read_receipts_for_a_note_after_the_window_or_into_another_tenant()
    {
        var withoutReceipts = await TenantAsync(readReceipts: false);
        var (quiet, _) = await stack.CustomerWritesAsync(withoutReceipts, "4915200000103", "hello");
        var tenant = await TenantAsync(readReceipts: true);
        var (open, wamid) = await stack.CustomerWritesAsync(tenant, "4915200000104", "hello");
        var (closed, _) = await stack.CustomerWritesAsync(tenant, "4915200000105", "days ago", at: DateTimeOffset.UtcNow.AddDays(-2));

        await using var quietAgent = await InConversationAsync(await stack.LoginAgentAsync(withoutReceipts), quiet);
        await quietAgent.InvokeAsync("StartTyping", quiet, false);
        // Another tenant's conversation cannot be joined, so it cannot be typed in either.
        await Assert.ThrowsAsync<HubCallException>(() => quietAgent.InvokeAsync("JoinConversation", open));
        await Assert.ThrowsAsync<HubCallException>(() => quietAgent.InvokeAsync("StartTyping", open, false));
        await using var agent = await InConversationAsync(await stack.LoginAgentAsync(tenant), closed);
        await agent.InvokeAsync("StartTyping", closed, false);
        await agent.InvokeAsync("JoinConversation", open);
        await agent.InvokeAsync("StartTyping", open, true); // a private note

        // The one that should show: a reply in the open conversation (the note did not use up its window).
        await agent.InvokeAsync("StartTyping", open, false);

        var shown = Assert.Single(await WaitForTypingIndicatorsAsync(tenant, 1));
        Assert.Equal(wamid, shown.GetProperty("messageId").GetString());
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Single(await TypingIndicatorsAsync(tenant));
        Assert.Empty(await stack.Simulator.ReadMarksOfAsync(withoutReceipts.PhoneNumberId));
    }
}
