using System.Net;
using System.Text.Json;
using Inbox.Contracts;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration;

[Collection(StackCollection.Name)]
public sealed class ConversationApiTests(InboxStack stack)
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(20);

    private static List<Guid> Ids(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetGuid()).ToList();

    private static string Number() => "49170" + Random.Shared.NextInt64(1_000_000, 9_999_999);

    [Fact]
    public async Task The_list_pages_through_every_conversation_once_most_recent_first()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        var created = new List<Guid>();
        for (var i = 0; i < 5; i++)
            created.Add((await stack.CustomerWritesAsync(tenant, Number(), $"hello {i}", at: DateTimeOffset.UtcNow.AddMinutes(-10 + i))).ConversationId);

        var seen = new List<Guid>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await agent.GetJsonAsync("/api/conversations?limit=2" + (cursor is null ? "" : "&cursor=" + cursor));
            seen.AddRange(Ids(page));
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        } while (cursor is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Reverse(created), seen);
    }

    [Fact]
    public async Task A_bad_filter_or_cursor_is_a_validation_problem_naming_it()
    {
        var agent = await stack.LoginAgentAsync(await stack.CreateTenantAsync());
        await Agent.AssertInvalidAsync(await agent.GetAsync("/api/conversations?status=closed"), "status");
        await Agent.AssertInvalidAsync(await agent.GetAsync("/api/conversations?assignee=someone"), "assignee");
        await Agent.AssertInvalidAsync(await agent.GetAsync("/api/conversations?cursor=bm9wZQ"), "cursor");
        await Agent.AssertInvalidAsync(await agent.GetAsync("/api/conversations?limit=0"), "limit");
    }

    [Fact]
    public async Task Filters_by_status_assignee_label_channel_and_text()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        var owner = await stack.LoginAgentAsync(tenant, owner: true);
        var ana = (await stack.CustomerWritesAsync(tenant, "4917011110001", "where is my parcel?", "Ana Lima")).ConversationId;
        var ben = (await stack.CustomerWritesAsync(tenant, "4917011110002", "invoice please", "Ben Ode")).ConversationId;
        var cleo = (await stack.CustomerWritesAsync(tenant, "4917011110003", "hi", "Cleo")).ConversationId;

        await agent.PutJsonAsync($"/api/conversations/{ana}/assignee", new { userId = agent.UserId });
        await agent.PutJsonAsync($"/api/conversations/{ben}/assignee", new { userId = owner.UserId });
        await agent.PutJsonAsync($"/api/conversations/{ben}/status", new { status = "pending" });
        await agent.PostJsonAsync($"/api/conversations/{cleo}/labels", new { label = "VIP" });

        Assert.Equal([ana], Ids(await agent.GetJsonAsync("/api/conversations?assignee=me")));
        Assert.Equal([ben], Ids(await owner.GetJsonAsync("/api/conversations?assignee=me")));
        Assert.Equal([cleo], Ids(await agent.GetJsonAsync("/api/conversations?assignee=unassigned")));
        Assert.Equal([ben], Ids(await agent.GetJsonAsync($"/api/conversations?assignee={owner.UserId}")));
        Assert.Equal(3, Ids(await agent.GetJsonAsync("/api/conversations?assignee=anyone")).Count);
        Assert.Equal([ben], Ids(await agent.GetJsonAsync("/api/conversations?status=pending")));
        Assert.Equal(new[] { cleo, ana }, Ids(await agent.GetJsonAsync("/api/conversations?status=open")));
        Assert.Equal([cleo], Ids(await agent.GetJsonAsync("/api/conversations?label=vip")));
        Assert.Equal([ana], Ids(await agent.GetJsonAsync("/api/conversations?q=PARCEL")));
        Assert.Equal([ben], Ids(await agent.GetJsonAsync("/api/conversations?q=ben%20o")));
        Assert.Equal([cleo], Ids(await agent.GetJsonAsync("/api/conversations?q=11110003")));
        Assert.Empty(Ids(await agent.GetJsonAsync("/api/conversations?q=%25")));
        Assert.Empty(Ids(await agent.GetJsonAsync($"/api/conversations?channelId={Guid.NewGuid()}")));
        var channelId = (await agent.GetJsonAsync($"/api/conversations/{ana}")).GetProperty("channelId").GetGuid();
        Assert.Equal(3, Ids(await agent.GetJsonAsync($"/api/conversations?channelId={channelId}")).Count);
        Assert.Equal(["vip"], (await agent.GetJsonAsync("/api/labels")).EnumerateArray().Select(l => l.GetString()));
    }

    [Fact]
    public async Task Each_agent_has_their_own_unread_count_and_reading_moves_only_theirs()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        var owner = await stack.LoginAgentAsync(tenant, owner: true);
        var (conversation, _) = await stack.CustomerWritesAsync(tenant, "4917022220001", "one");
        await stack.CustomerWritesAsync(tenant, "4917022220001", "two", at: DateTimeOffset.UtcNow.AddSeconds(1));

        var read = await agent.PostJsonAsync($"/api/conversations/{conversation}/read", null);

        Assert.Equal(0, read.GetProperty("myUnreadCount").GetInt32());
        Assert.Equal(0, read.GetProperty("unreadCount").GetInt32());
        Assert.Equal(2, (await owner.GetJsonAsync($"/api/conversations/{conversation}")).GetProperty("myUnreadCount").GetInt32());
        await stack.CustomerWritesAsync(tenant, "4917022220001", "three", at: DateTimeOffset.UtcNow.AddSeconds(2));
        var list = await agent.GetJsonAsync("/api/conversations");
        Assert.Equal(1, list.GetProperty("items")[0].GetProperty("myUnreadCount").GetInt32());
        Assert.Equal(3, (await owner.GetJsonAsync("/api/conversations")).GetProperty("items")[0].GetProperty("myUnreadCount").GetInt32());
    }

    [Fact]
    public async Task Reading_sends_one_read_receipt_only_when_the_tenant_enables_it()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        var owner = await stack.LoginAgentAsync(tenant, owner: true);
        var (conversation, wamid) = await stack.CustomerWritesAsync(tenant, "4917033330001", "read me");
        const string receipts = "select count(*) from outbox where message_type like '%.SendReadReceipt' and payload->>'wamid' = $1";

        await agent.PostJsonAsync($"/api/conversations/{conversation}/read", null);
        Assert.Equal(0, await stack.Database.CountAsync(tenant.Id, receipts, wamid));

        await owner.PutJsonAsync("/api/settings", new { readReceipts = true, autoResolveAfterMinutes = (int?)null });
        await agent.PostJsonAsync($"/api/conversations/{conversation}/read", null);
        await owner.PostJsonAsync($"/api/conversations/{conversation}/read", null);
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id, receipts, wamid));
    }

    [Fact]
    public async Task Assigning_checks_the_assignee_is_an_active_member_of_the_tenant()
    {
        var tenant = await stack.CreateTenantAsync();
        var other = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        var outsider = await stack.LoginAgentAsync(other);
        var owner = await stack.LoginAgentAsync(tenant, owner: true);
        var (conversation, _) = await stack.CustomerWritesAsync(tenant, "4917044440001", "assign me");
        var path = $"/api/conversations/{conversation}/assignee";

        await Agent.AssertInvalidAsync(await agent.SendAsync(HttpMethod.Put, path, new { userId = outsider.UserId }), "userId");
        await Agent.AssertInvalidAsync(await agent.SendAsync(HttpMethod.Put, path, new { userId = Guid.NewGuid() }), "userId");
        await Agent.AssertInvalidAsync(await agent.SendAsync(HttpMethod.Put, path, new { }), "userId");
        await stack.Database.ExecuteAsync(tenant.Id, "update memberships set active = false where user_id = $1", owner.UserId);
        await Agent.AssertInvalidAsync(await agent.SendAsync(HttpMethod.Put, path, new { userId = owner.UserId }), "userId");

        var assigned = await agent.PutJsonAsync(path, new { userId = agent.UserId });
        Assert.Equal(agent.UserId, assigned.GetProperty("assigneeId").GetGuid());
        Assert.StartsWith("Agent ", assigned.GetProperty("assigneeName").GetString());
        var unassigned = await Agent.ReadAsync(await agent.SendAsync(HttpMethod.Delete, path), HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, unassigned.GetProperty("assigneeId").ValueKind);
    }

    [Fact]
    public async Task Status_priority_and_labels_change_and_every_change_reaches_the_tenant_as_conversation_updated()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        var (conversation, _) = await stack.CustomerWritesAsync(tenant, "4917055550001", "change me");
        await using var hub = await HubClient.ConnectAsync(stack.Realtime.BaseAddress, agent.AccessToken);
        var path = $"/api/conversations/{conversation}";
        var until = DateTimeOffset.UtcNow.AddHours(3);

        var snoozed = await agent.PutJsonAsync(path + "/status", new { status = "snoozed", snoozedUntil = until });
        Assert.Equal("snoozed", snoozed.GetProperty("status").GetString());
        Assert.Equal(until.ToUnixTimeSeconds(), snoozed.GetProperty("snoozedUntil").GetDateTimeOffset().ToUnixTimeSeconds());
        var resolved = await agent.PutJsonAsync(path + "/status", new { status = "resolved" });
        Assert.Equal(JsonValueKind.Null, resolved.GetProperty("snoozedUntil").ValueKind);
        Assert.Equal("urgent", (await agent.PutJsonAsync(path + "/priority", new { priority = "urgent" })).GetProperty("priority").GetString());
        await agent.PostJsonAsync(path + "/labels", new { label = " Billing " });
        await agent.PostJsonAsync(path + "/labels", new { label = "billing" });
        var labelled = await agent.PostJsonAsync(path + "/labels", new { label = "refund" });
        Assert.Equal(["billing", "refund"], labelled.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        var removed = await Agent.ReadAsync(await agent.SendAsync(HttpMethod.Delete, path + "/labels/billing"), HttpStatusCode.OK);
        Assert.Equal(["refund"], removed.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));

        // The last change's event carries everything the agent changed.
        var last = await hub.WaitForAsync(HubEvents.ConversationUpdated, e =>
        {
            var c = e.GetProperty("conversation");
            return c.GetProperty("id").GetGuid() == conversation && c.GetProperty("labels").GetArrayLength() == 1
                   && c.GetProperty("labels")[0].GetString() == "refund";
        }, EventTimeout);
        Assert.Equal("resolved", last.GetProperty("conversation").GetProperty("status").GetString());
        Assert.Equal("urgent", last.GetProperty("conversation").GetProperty("priority").GetString());
        Assert.True(hub.Received(HubEvents.ConversationUpdated).Count >= 7);
    }

    [Fact]
    public async Task A_customer_writing_again_reopens_a_resolved_conversation()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        var (conversation, _) = await stack.CustomerWritesAsync(tenant, "4917055550002", "thanks");
        await agent.PutJsonAsync($"/api/conversations/{conversation}/status", new { status = "resolved" });

        await stack.CustomerWritesAsync(tenant, "4917055550002", "one more thing", at: DateTimeOffset.UtcNow.AddSeconds(1));

        Assert.Equal("open", (await agent.GetJsonAsync($"/api/conversations/{conversation}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Bad_status_priority_snooze_and_label_values_are_validation_problems_naming_the_field()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        var (conversation, _) = await stack.CustomerWritesAsync(tenant, "4917055550003", "validate");
        var path = $"/api/conversations/{conversation}";

        await Agent.AssertInvalidAsync(await agent.SendAsync(HttpMethod.Put, path + "/status", new { status = "closed" }), "status");
        await Agent.AssertInvalidAsync(await agent.SendAsync(HttpMethod.Put, path + "/status", new { status = "snoozed" }), "snoozedUntil");
        await Agent.AssertInvalidAsync(await agent.SendAsync(HttpMethod.Put, path + "/status",
            new { status = "snoozed", snoozedUntil = DateTimeOffset.UtcNow.AddMinutes(-1) }), "snoozedUntil");
        await Agent.AssertInvalidAsync(await agent.SendAsync(HttpMethod.Put, path + "/status",
            new { status = "open", snoozedUntil = DateTimeOffset.UtcNow.AddHours(1) }), "snoozedUntil");
        await Agent.AssertInvalidAsync(await agent.SendAsync(HttpMethod.Put, path + "/priority", new { priority = "asap" }), "priority");
        await Agent.AssertInvalidAsync(await agent.SendAsync(HttpMethod.Post, path + "/labels", new { label = "" }), "label");
        await Agent.AssertInvalidAsync(await agent.SendAsync(HttpMethod.Post, path + "/labels", new { label = new string('x', 51) }), "label");
    }

    [Theory]
    [InlineData("GET", "")]
    [InlineData("PUT", "/assignee")]
    [InlineData("DELETE", "/assignee")]
    [InlineData("PUT", "/status")]
    [InlineData("PUT", "/priority")]
    [InlineData("POST", "/labels")]
    [InlineData("DELETE", "/labels/vip")]
    [InlineData("POST", "/read")]
    [InlineData("GET", "/messages")]
    [InlineData("POST", "/messages")]
    public async Task Another_tenants_conversation_is_404_for_every_conversation_endpoint(string method, string suffix)
    {
        var mine = await stack.CreateTenantAsync();
        var theirs = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(mine);
        var (conversation, _) = await stack.CustomerWritesAsync(theirs, "4917066660001", "not yours");
        object body = suffix switch
        {
            "/assignee" => new { userId = agent.UserId },
            "/status" => new { status = "resolved" },
            "/priority" => new { priority = "high" },
            "/labels" => new { label = "x" },
            "/messages" => new { type = "note", text = "peek" },
            _ => new { },
        };

        var response = await agent.SendAsync(new HttpMethod(method), $"/api/conversations/{conversation}{suffix}",
            method == "GET" || (method == "DELETE") ? null : body, Guid.NewGuid().ToString());

        await Agent.ProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Equal(0, await stack.Database.CountAsync(theirs.Id,
            "select count(*) from conversations where id = $1 and (assignee_id is not null or status <> 'open' or priority <> 'none' or labels <> '{}')",
            conversation));
        Assert.Equal(1, await stack.Database.CountAsync(theirs.Id, "select count(*) from messages where conversation_id = $1", conversation));
    }
}
