using System.Text.Json;
using Inbox.Contracts;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration;

/// <summary>The Quartz jobs in Workers, running every second in the test stack.</summary>
[Collection(StackCollection.Name)]
public sealed class ConversationTimerTests(InboxStack stack)
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(30);

    private static Func<JsonElement, bool> About(Guid conversation, Func<JsonElement, bool> match) =>
        e => e.GetProperty("conversation").GetProperty("id").GetGuid() == conversation && match(e.GetProperty("conversation"));

    [Fact]
    public async Task A_snoozed_conversation_reopens_when_its_time_comes()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        var (conversation, _) = await stack.CustomerWritesAsync(tenant, "4917099990001", "call me later");
        await using var hub = await HubClient.ConnectAsync(stack.Realtime.BaseAddress, agent.AccessToken);
        var until = DateTimeOffset.UtcNow.AddSeconds(2);
        await agent.PutJsonAsync($"/api/conversations/{conversation}/status", new { status = "snoozed", snoozedUntil = until });

        // The job's event: open again, with activity at the wake-up (not the customer's own, older, event —
        // events of different services may arrive in any order).
        await hub.WaitForAsync(HubEvents.ConversationUpdated, About(conversation, c => c.GetProperty("status").GetString() == "open"
            && c.GetProperty("lastActivityAt").GetDateTimeOffset() >= until), EventTimeout);

        var now = await agent.GetJsonAsync($"/api/conversations/{conversation}");
        Assert.Equal("open", now.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, now.GetProperty("snoozedUntil").ValueKind);
    }

    [Fact]
    public async Task An_inactive_conversation_is_resolved_after_the_tenants_auto_resolve_time_and_an_active_one_is_not()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        var owner = await stack.LoginAgentAsync(tenant, owner: true);
        var (quiet, _) = await stack.CustomerWritesAsync(tenant, "4917099990002", "bye");
        var (busy, _) = await stack.CustomerWritesAsync(tenant, "4917099990003", "still here");
        await using var hub = await HubClient.ConnectAsync(stack.Realtime.BaseAddress, agent.AccessToken);
        await stack.Database.ExecuteAsync(tenant.Id,
            "update conversations set last_activity_at = now() - interval '2 hours' where id = $1", quiet);

        await owner.PutJsonAsync("/api/settings", new { readReceipts = false, autoResolveAfterMinutes = 60 });

        await hub.WaitForAsync(HubEvents.ConversationUpdated,
            About(quiet, c => c.GetProperty("status").GetString() == "resolved"), EventTimeout);
        Assert.Equal("open", (await agent.GetJsonAsync($"/api/conversations/{busy}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Without_an_auto_resolve_setting_nothing_is_resolved()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        var (conversation, _) = await stack.CustomerWritesAsync(tenant, "4917099990004", "old");
        await stack.Database.ExecuteAsync(tenant.Id,
            "update conversations set last_activity_at = now() - interval '300 days' where id = $1", conversation);
        var other = await stack.CreateTenantAsync();
        var otherOwner = await stack.LoginAgentAsync(other, owner: true);
        var (marker, _) = await stack.CustomerWritesAsync(other, "4917099990005", "marker");
        await stack.Database.ExecuteAsync(other.Id, "update conversations set last_activity_at = now() - interval '2 hours' where id = $1", marker);
        await using var hub = await HubClient.ConnectAsync(stack.Realtime.BaseAddress, otherOwner.AccessToken);

        // Another tenant's auto-resolve runs (and is seen) — the timers have run since, and left this tenant alone.
        await otherOwner.PutJsonAsync("/api/settings", new { readReceipts = false, autoResolveAfterMinutes = 60 });
        await hub.WaitForAsync(HubEvents.ConversationUpdated, About(marker, c => c.GetProperty("status").GetString() == "resolved"), EventTimeout);

        Assert.Equal("open", (await agent.GetJsonAsync($"/api/conversations/{conversation}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_passed_customer_service_window_is_announced_closed_once_and_reopens_when_the_customer_writes()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        await using var hub = await HubClient.ConnectAsync(stack.Realtime.BaseAddress, agent.AccessToken);
        var (conversation, _) = await stack.CustomerWritesAsync(tenant, "4917099990006", "hello", at: DateTimeOffset.UtcNow.AddHours(-23).AddMinutes(-59).AddSeconds(-58));

        var closed = await hub.WaitForAsync(HubEvents.ConversationUpdated,
            About(conversation, c => !c.GetProperty("windowOpen").GetBoolean() && c.GetProperty("windowClosesAt").ValueKind != JsonValueKind.Null),
            EventTimeout);
        Assert.True(closed.GetProperty("conversation").GetProperty("windowClosesAt").GetDateTimeOffset() <= DateTimeOffset.UtcNow);
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id,
            "select count(*) from conversations where id = $1 and window_closed_at = window_closes_at", conversation));
        await Task.Delay(2500); // a few more timer runs
        Assert.Single(hub.Received(HubEvents.ConversationUpdated), e =>
            e.GetProperty("conversation").GetProperty("id").GetGuid() == conversation && !e.GetProperty("conversation").GetProperty("windowOpen").GetBoolean());

        await stack.CustomerWritesAsync(tenant, "4917099990006", "back again");
        Assert.True((await agent.GetJsonAsync($"/api/conversations/{conversation}")).GetProperty("windowOpen").GetBoolean());
    }
}
