using System.Net;
using System.Text.Json;
using Inbox.Contracts;
using Inbox.Realtime;
using Inbox.Tests.Integration.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Inbox.Tests.Integration;

/// <summary>Typing, presence, viewers, several instances, limits and deactivation on the real hub.</summary>
[Collection(StackCollection.Name)]
public sealed class RealtimeTests(InboxStack stack)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private async Task<Guid> ConversationAsync(TestTenant tenant, string from)
    {
        var item = new TextItem(from, "Customer", Webhooks.NewWamid(), "hello");
        (await stack.Ingest.Http.SendAsync(Webhooks.Signed(Webhooks.Envelope([Webhooks.TextChange(tenant.PhoneNumberId, item)])))).EnsureSuccessStatusCode();
        return (Guid)(await stack.Database.ScalarAsync(tenant.Id, "select id from conversations where contact_id = (select id from contacts where wa_id = $1)", from))!;
    }

    private Task<HubClient> ConnectOwnerAsync(TestTenant tenant, ServiceHost<InboxHub>? instance = null) =>
        ConnectAsync(tenant.OwnerEmail, tenant.Password, instance);

    private async Task<HubClient> ConnectAsync(string email, string password, ServiceHost<InboxHub>? instance = null) =>
        await HubClient.ConnectAsync((instance ?? stack.Realtime).BaseAddress, await stack.LoginAsync(email, password));

    [Fact]
    public async Task Typing_reaches_the_tenants_other_agents_once_per_throttle_period_and_stops_by_itself()
    {
        var tenant = await stack.CreateTenantAsync();
        var conversation = await ConversationAsync(tenant, "4919900000001");
        var elsewhere = await ConversationAsync(tenant, "4919900000002");
        await using var typist = await stack.ConnectAgentAsync(tenant);
        await using var colleague = await ConnectOwnerAsync(tenant);
        await using var inAnotherRoom = await stack.ConnectAgentAsync(tenant); // its list shows "typing…" on the row
        await using var otherTenant = await stack.ConnectAgentAsync(await stack.CreateTenantAsync());
        await typist.InvokeAsync("JoinConversation", conversation);
        await colleague.InvokeAsync("JoinConversation", conversation);
        await inAnotherRoom.InvokeAsync("JoinConversation", elsewhere);

        for (var i = 0; i < 8; i++) await typist.InvokeAsync("StartTyping", conversation, false);

        var start = (await colleague.WaitForAsync(HubEvents.TypingStart, 1, Wait)).Single();
        Assert.Equal((conversation, false), (start.GetProperty("conversationId").GetGuid(), start.GetProperty("isPrivate").GetBoolean()));
        var stop = (await colleague.WaitForAsync(HubEvents.TypingStop, 1, Wait)).Single(); // no refresh: it expires
        Assert.Equal(conversation, stop.GetProperty("conversationId").GetGuid());
        Assert.Single(colleague.Received(HubEvents.TypingStart));
        Assert.Empty(typist.Received(HubEvents.TypingStart));
        var seenFromTheList = (await inAnotherRoom.WaitForAsync(HubEvents.TypingStart, 1, Wait)).Single();
        Assert.Equal(conversation, seenFromTheList.GetProperty("conversationId").GetGuid());
        Assert.Empty(otherTenant.Received(HubEvents.TypingStart));
    }

    [Fact]
    public async Task Typing_a_private_note_is_flagged_and_an_explicit_stop_is_passed_on()
    {
        var tenant = await stack.CreateTenantAsync();
        var conversation = await ConversationAsync(tenant, "4919900000003");
        await using var typist = await stack.ConnectAgentAsync(tenant);
        await using var colleague = await ConnectOwnerAsync(tenant);
        await typist.InvokeAsync("JoinConversation", conversation);
        await colleague.InvokeAsync("JoinConversation", conversation);

        await typist.InvokeAsync("StartTyping", conversation, true);
        await typist.InvokeAsync("StopTyping", conversation);

        Assert.True((await colleague.WaitForAsync(HubEvents.TypingStart, 1, Wait))[0].GetProperty("isPrivate").GetBoolean());
        await colleague.WaitForAsync(HubEvents.TypingStop, 1, Wait);
        var notJoined = await Assert.ThrowsAsync<HubCallException>(() => typist.InvokeAsync("StartTyping", Guid.NewGuid(), false));
        Assert.Contains("Join the conversation first", notJoined.Message);
    }

    [Fact]
    public async Task Two_instances_behave_as_one_for_events_typing_presence_and_viewers()
    {
        var tenant = await stack.CreateTenantAsync();
        var conversation = await ConversationAsync(tenant, "4919900000004");
        await using var second = InboxStack.NewRealtime().Start();
        await InboxStack.WaitForBusAsync(second);
        await using var onFirst = await stack.ConnectAgentAsync(tenant);
        await using var onSecond = await ConnectOwnerAsync(tenant, second);

        // Presence: a client reads the snapshot once, then follows presence:update; both agents show online.
        var online = 0;
        for (var attempt = 0; attempt < 100 && online < 2; attempt++, await Task.Delay(100))
            online = (await onSecond.InvokeAsync("GetPresence")).EnumerateArray().Count(p => p.GetProperty("state").GetString() == "online");
        Assert.Equal(2, online);

        // Viewers and typing cross instances.
        await onFirst.InvokeAsync("JoinConversation", conversation);
        await onSecond.InvokeAsync("JoinConversation", conversation);
        await WaitUntilAsync(() => onSecond.Received(HubEvents.ViewingUpdate)
            .Any(v => v.GetProperty("conversationId").GetGuid() == conversation && v.GetProperty("viewers").GetArrayLength() == 2));
        await onFirst.InvokeAsync("StartTyping", conversation, false);
        await onSecond.WaitForAsync(HubEvents.TypingStart, 1, Wait);

        // Events reach clients on both instances.
        var item = new TextItem("4919900000004", "Customer", Webhooks.NewWamid(), "to everyone");
        (await stack.Ingest.Http.SendAsync(Webhooks.Signed(Webhooks.Envelope([Webhooks.TextChange(tenant.PhoneNumberId, item)])))).EnsureSuccessStatusCode();
        await onFirst.WaitForAsync(HubEvents.MessageNew, 1, Wait);
        await onSecond.WaitForAsync(HubEvents.MessageNew, 1, Wait);

        // Away, then gone.
        await onFirst.InvokeAsync("SetPresence", "away");
        await WaitUntilAsync(() => onSecond.Received(HubEvents.PresenceUpdate).Any(p => p.GetProperty("state").GetString() == "away"));
        await onFirst.DisposeAsync();
        await WaitUntilAsync(() => onSecond.Received(HubEvents.PresenceUpdate).Any(p => p.GetProperty("state").GetString() == "offline"));
        await WaitUntilAsync(() => onSecond.Received(HubEvents.ViewingUpdate)
            .Any(v => v.GetProperty("conversationId").GetGuid() == conversation && v.GetProperty("viewers").GetArrayLength() == 1));
    }

    [Fact]
    public async Task An_instance_that_dies_is_forgotten_and_its_agents_go_offline()
    {
        var tenant = await stack.CreateTenantAsync();
        await using var watcher = await ConnectOwnerAsync(tenant);
        var doomed = InboxStack.NewRealtime().Start();
        await InboxStack.WaitForBusAsync(doomed);
        var agent = await stack.ConnectAgentAsync(tenant);
        await agent.DisposeAsync();
        agent = await HubClient.ConnectAsync(doomed.BaseAddress, await stack.TokenAsync(tenant));
        await WaitUntilAsync(() => watcher.Received(HubEvents.PresenceUpdate).Count(p => p.GetProperty("state").GetString() == "online") >= 2);

        await doomed.DisposeAsync(); // gone without a goodbye from its connections' point of view

        await WaitUntilAsync(() => watcher.Received(HubEvents.PresenceUpdate).Any(p => p.GetProperty("state").GetString() == "offline"));
        await agent.DisposeAsync();
    }

    [Fact]
    public async Task A_client_that_floods_the_hub_is_refused_the_extra_calls()
    {
        var tenant = await stack.CreateTenantAsync();
        await using var client = await stack.ConnectAgentAsync(tenant);
        var refused = 0;
        for (var i = 0; i < 60; i++)
        {
            try { await client.InvokeAsync("Heartbeat"); }
            catch (HubCallException ex) when (ex.Message.Contains("Too many calls", StringComparison.Ordinal)) { refused++; }
        }
        Assert.InRange(refused, 20, 60);
    }

    [Fact]
    public async Task An_oversized_hub_message_closes_the_connection()
    {
        var tenant = await stack.CreateTenantAsync();
        await using var client = await stack.ConnectAgentAsync(tenant);

        _ = client.InvokeAsync("SetPresence", new string('x', 64 * 1024)).ContinueWith(_ => { }, TaskScheduler.Default);

        await WaitUntilAsync(() => client.IsClosed);
    }

    [Fact]
    public async Task Presence_and_join_refuse_bad_input()
    {
        var tenant = await stack.CreateTenantAsync();
        await using var client = await stack.ConnectAgentAsync(tenant);
        await Assert.ThrowsAsync<HubCallException>(() => client.InvokeAsync("SetPresence", "invisible"));
        await Assert.ThrowsAsync<HubCallException>(() => client.InvokeAsync("JoinConversation", "not-a-guid"));
        await Assert.ThrowsAsync<HubCallException>(() => client.InvokeAsync("NoSuchMethod"));
    }

    [Fact]
    public async Task A_deactivated_members_connections_are_closed_at_once()
    {
        var tenant = await stack.CreateTenantAsync();
        await using var agent = await stack.ConnectAgentAsync(tenant);
        await using var owner = await ConnectOwnerAsync(tenant);
        var agentId = (Guid)(await stack.Database.ScalarAsync(null, "select user_id from auth_find_user($1)", tenant.AgentEmail))!;

        // What the admin API does on deactivation: the membership and its event, in one transaction.
        await stack.Database.ScalarAsync(tenant.Id, """
            with m as (update memberships set active = false where user_id = $1 returning tenant_id)
            insert into outbox (tenant_id, message_type, payload)
            select tenant_id, 'Inbox.Contracts.MemberDeactivated', jsonb_build_object('tenantId', tenant_id, 'userId', $1::uuid) from m
            """, agentId);

        await WaitUntilAsync(() => agent.IsClosed);
        Assert.False(owner.IsClosed);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The condition did not become true in time.");
            await Task.Delay(50);
        }
    }
}
