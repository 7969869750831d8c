using System.Net.Http.Json;
using System.Text.Json;
using Inbox.Contracts;
using Inbox.Realtime;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration;

/// <summary>
/// Several Realtime instances on the Redis backplane behave as one: each stream event is sent once and reaches every
/// client of its audience, on whichever instance, exactly once and in order; hub calls on one instance are heard on
/// the others; presence outlives no instance; and rooms and tenants stay closed across instances.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class RealtimeBackplaneTests(InboxStack stack)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private async Task PostTextsAsync(TestTenant tenant, int count, string from = "4919500000001")
    {
        var items = Enumerable.Range(0, count).Select(i => new TextItem(from, "Customer", Webhooks.NewWamid(), $"message {i}")).ToArray();
        (await stack.Ingest.Http.SendAsync(Webhooks.Signed(Webhooks.Envelope([Webhooks.TextChange(tenant.PhoneNumberId, items)])))).EnsureSuccessStatusCode();
    }

    private static IReadOnlyList<long> Positions(HubClient client) =>
        [.. client.All().Where(e => e.Payload.ValueKind == JsonValueKind.Object && e.Payload.TryGetProperty("position", out _))
            .Select(e => e.Payload.GetProperty("position").GetInt64())];

    /// <summary>The client got positions 1 to <paramref name="last"/> of its tenant's stream, each once and in order.</summary>
    private static async Task AssertWholeStreamOnceAsync(HubClient client, long last)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!Positions(client).Contains(last) && DateTime.UtcNow < deadline) await Task.Delay(50);
        await Task.Delay(200); // anything twice would have arrived by now
        Assert.Equal(Enumerable.Range(1, (int)last).Select(p => (long)p), Positions(client));
    }

    private static IEnumerable<Guid> TenantsNamed(HubClient client) =>
        client.All().Where(e => e.Payload.ValueKind == JsonValueKind.Object && e.Payload.TryGetProperty("tenantId", out _))
            .Select(e => e.Payload.GetProperty("tenantId").GetGuid()).Distinct();

    private async Task<HubClient> ConnectAsync(Uri instance, TestTenant tenant, bool owner = false) =>
        await HubClient.ConnectAsync(instance, await stack.LoginAsync(owner ? tenant.OwnerEmail : tenant.AgentEmail, tenant.Password));

    [Fact]
    public async Task Every_event_reaches_each_client_on_either_instance_exactly_once_in_order_and_only_its_tenants()
    {
        await using var second = InboxStack.NewRealtime().Start();
        await InboxStack.WaitForBusAsync(second);
        var tenant = await stack.CreateTenantAsync();
        var other = await stack.CreateTenantAsync();
        var clients = new List<HubClient>();
        var strangers = new List<HubClient>();
        try
        {
            foreach (var instance in new[] { stack.Realtime.BaseAddress, second.BaseAddress })
            {
                clients.Add(await ConnectAsync(instance, tenant));
                clients.Add(await ConnectAsync(instance, tenant, owner: true));
                strangers.Add(await ConnectAsync(instance, other));
            }

            for (var batch = 0; batch < 5; batch++) await PostTextsAsync(tenant, 6, $"49195000000{batch % 3}");
            await PostTextsAsync(other, 2);

            // Every event of an inbound message goes to the whole tenant: each client gets the tenant's whole stream.
            var last = await stack.Database.StreamHeadAsync(tenant.Id);
            Assert.True(last >= 35, $"Expected at least 35 events, the stream is at {last}.");
            foreach (var client in clients)
            {
                await AssertWholeStreamOnceAsync(client, last);
                Assert.Equal([tenant.Id], TenantsNamed(client));
            }
            foreach (var stranger in strangers)
            {
                await stranger.WaitForAsync(HubEvents.ConversationUpdated, 1, Wait);
                Assert.Equal([other.Id], TenantsNamed(stranger));
            }
        }
        finally
        {
            foreach (var client in clients.Concat(strangers)) await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task Two_deployments_on_one_vhost_each_get_every_event_once_in_order_and_neither_takes_the_others()
    {
        // Another deployment on the tests' vhost: a Redis of its own. The stack's deployment has two instances.
        await using var redis = new PrivateRedis();
        await redis.StartAsync();
        await using var elsewhere = InboxStack.NewDeployment(redis).Start();
        await using var second = InboxStack.NewRealtime().Start();
        await InboxStack.WaitForBusAsync(elsewhere);
        await InboxStack.WaitForBusAsync(second);
        var tenant = await stack.CreateTenantAsync();
        var clients = new List<HubClient>();
        try
        {
            foreach (var instance in new[] { stack.Realtime.BaseAddress, second.BaseAddress, elsewhere.BaseAddress })
                clients.Add(await ConnectAsync(instance, tenant));

            for (var batch = 0; batch < 3; batch++) await PostTextsAsync(tenant, 4, $"49195000001{batch}");

            var last = await stack.Database.StreamHeadAsync(tenant.Id);
            foreach (var client in clients) await AssertWholeStreamOnceAsync(client, last);
        }
        finally
        {
            foreach (var client in clients) await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_instance_stopped_while_its_bus_is_still_starting_leaves_no_consumer_behind()
    {
        var instanceId = $"test-brief-{Guid.NewGuid():N}";
        await using (InboxStack.NewRealtime(new() { ["Realtime:InstanceId"] = instanceId }).Start()) { } // done with at once

        // A bus that outlived its host would consume with a disposed container: as its deployment's active stream
        // consumer (say after a broker restart), it would swallow every event. It would be up within seconds.
        for (var check = 0; check < 16; check++, await Task.Delay(500))
            Assert.Equal(0, await Rabbitmqctl.ConsumersOfAsync($"realtime-{instanceId}"));
    }

    [Fact]
    public async Task Typing_and_viewing_on_one_instance_are_heard_on_the_other_by_the_tenant_only()
    {
        await using var second = InboxStack.NewRealtime().Start();
        await InboxStack.WaitForBusAsync(second);
        var tenant = await stack.CreateTenantAsync();
        var other = await stack.CreateTenantAsync();
        await PostTextsAsync(tenant, 1);
        var conversation = (Guid)(await stack.Database.ScalarAsync(tenant.Id, "select id from conversations"))!;
        await using var typist = await ConnectAsync(stack.Realtime.BaseAddress, tenant);
        await using var colleague = await ConnectAsync(second.BaseAddress, tenant, owner: true);
        await using var stranger = await ConnectAsync(second.BaseAddress, other);

        await typist.InvokeAsync("JoinConversation", conversation);
        await typist.InvokeAsync("StartTyping", conversation, false);

        var start = await colleague.WaitForAsync(HubEvents.TypingStart, e => e.GetProperty("conversationId").GetGuid() == conversation, Wait);
        Assert.False(start.GetProperty("isPrivate").GetBoolean());
        await colleague.WaitForAsync(HubEvents.ViewingUpdate, e => e.GetProperty("conversationId").GetGuid() == conversation, Wait);
        // Asked on the other instance, the current viewers are there at once.
        var viewers = await colleague.InvokeAsync("GetViewers", conversation);
        Assert.Single(viewers.EnumerateArray());
        await typist.InvokeAsync("StopTyping", conversation);
        await colleague.WaitForAsync(HubEvents.TypingStop, 1, Wait);
        await Task.Delay(300);
        Assert.Empty(typist.Received(HubEvents.TypingStart)); // never to the typist's own connection
        Assert.Empty(stranger.Received(HubEvents.TypingStart));
        Assert.Empty(stranger.Received(HubEvents.ViewingUpdate));
        Assert.DoesNotContain(stranger.Received(HubEvents.PresenceUpdate), p => p.GetProperty("userName").GetString()!.Contains(tenant.Slug[2..], StringComparison.Ordinal));
    }

    [Fact]
    public async Task Another_tenants_conversation_cannot_be_joined_on_any_instance_and_its_room_events_stay_in_its_tenant()
    {
        await using var second = InboxStack.NewRealtime().Start();
        await InboxStack.WaitForBusAsync(second);
        var tenant = await stack.CreateTenantAsync();
        var other = await stack.CreateTenantAsync();
        await PostTextsAsync(tenant, 1);
        var conversation = (Guid)(await stack.Database.ScalarAsync(tenant.Id, "select id from conversations"))!;
        var wamid = Webhooks.NewWamid();
        await stack.Database.ScalarAsync(tenant.Id, """
            insert into messages (id, tenant_id, conversation_id, channel_id, wamid, direction, type, text, sent_at, status, status_at)
            select $1, c.tenant_id, c.id, c.channel_id, $3, 'outbound', 'text', 'On its way', now(), 'queued', now()
            from conversations c where c.id = $2
            """, Guid.CreateVersion7(), conversation, wamid);
        await using var member = await ConnectAsync(second.BaseAddress, tenant);
        await using var intruderHere = await ConnectAsync(stack.Realtime.BaseAddress, other);
        await using var intruderThere = await ConnectAsync(second.BaseAddress, other);
        await member.InvokeAsync("JoinConversation", conversation);

        foreach (var intruder in new[] { intruderHere, intruderThere })
        {
            var refused = await Assert.ThrowsAsync<HubCallException>(() => intruder.InvokeAsync("JoinConversation", conversation));
            Assert.Contains("Conversation not found", refused.Message);
            Assert.Empty((await intruder.InvokeAsync("GetViewers", conversation)).EnumerateArray());
        }
        (await stack.Ingest.Http.SendAsync(Webhooks.Signed(Webhooks.Envelope([Webhooks.StatusChange(tenant.PhoneNumberId, wamid, "sent", null)]))))
            .EnsureSuccessStatusCode();

        await member.WaitForAsync(HubEvents.MessageStatus, 1, Wait);
        await Task.Delay(500);
        Assert.DoesNotContain(intruderHere.All(), e => e.Name != HubEvents.PresenceUpdate);
        Assert.DoesNotContain(intruderThere.All(), e => e.Name != HubEvents.PresenceUpdate);
    }

    [Fact]
    public async Task A_killed_instance_takes_its_agents_presence_with_it_and_a_new_instance_sees_the_current_state_at_once()
    {
        var tenant = await stack.CreateTenantAsync();
        await PostTextsAsync(tenant, 1);
        var conversation = (Guid)(await stack.Database.ScalarAsync(tenant.Id, "select id from conversations"))!;
        await using var watcher = await ConnectAsync(stack.Realtime.BaseAddress, tenant, owner: true);
        await watcher.InvokeAsync("JoinConversation", conversation);
        await using var doomed = await RealtimeProcess.StartAsync(new()
        {
            ["Realtime:InstanceId"] = $"test-killed-{Guid.NewGuid():N}",
            ["Realtime:HeartbeatSeconds"] = "1",
            ["Realtime:InstanceTimeoutSeconds"] = "4",
            ["Realtime:TypingExpirySeconds"] = "60", // only the instance's death may stop this typing
        });
        var agent = await ConnectAsync(doomed.BaseAddress, tenant);
        await agent.InvokeAsync("JoinConversation", conversation);
        await agent.InvokeAsync("StartTyping", conversation, false);
        var agentId = (await watcher.WaitForAsync(HubEvents.PresenceUpdate, p => p.GetProperty("state").GetString() == "online"
            && p.GetProperty("userName").GetString()!.StartsWith("Agent", StringComparison.Ordinal), Wait)).GetProperty("userId").GetGuid();
        await watcher.WaitForAsync(HubEvents.TypingStart, 1, Wait);
        await watcher.WaitForAsync(HubEvents.ViewingUpdate, v => v.GetProperty("viewers").GetArrayLength() == 2, Wait);

        // A new instance knows at once who is online and who views what.
        await using var fresh = InboxStack.NewRealtime().Start();
        await using (var late = await ConnectAsync(fresh.BaseAddress, tenant, owner: true))
        {
            var presence = (await late.InvokeAsync("GetPresence")).EnumerateArray().ToList();
            Assert.Contains(presence, p => p.GetProperty("userId").GetGuid() == agentId && p.GetProperty("state").GetString() == "online");
            Assert.Equal(2, (await late.InvokeAsync("GetViewers", conversation)).GetArrayLength());
        }

        await doomed.KillAsync(); // no goodbye: its connections' state stays in Redis until it expires
        var killed = DateTime.UtcNow;

        await watcher.WaitForAsync(HubEvents.PresenceUpdate, p => p.GetProperty("userId").GetGuid() == agentId && p.GetProperty("state").GetString() == "offline", Wait);
        await watcher.WaitForAsync(HubEvents.TypingStop, 1, Wait);
        await watcher.WaitForAsync(HubEvents.ViewingUpdate, v => v.GetProperty("viewers").GetArrayLength() == 1, Wait);
        Assert.True(DateTime.UtcNow - killed < TimeSpan.FromSeconds(12), "The killed instance's agents went offline later than its expiry allows.");
        var now = (await watcher.InvokeAsync("GetPresence")).EnumerateArray().ToList();
        Assert.DoesNotContain(now, p => p.GetProperty("userId").GetGuid() == agentId);
        await agent.DisposeAsync();
    }

    [Fact]
    public async Task Without_Redis_an_instance_serves_its_own_clients_and_reports_itself_degraded()
    {
        // Nothing listens on port 1: this instance never reaches Redis.
        await using var cutOff = InboxStack.NewRealtime(new() { ["ConnectionStrings:Redis"] = "127.0.0.1:1,connectTimeout=500" }).Start();
        var tenant = await stack.CreateTenantAsync();
        await PostTextsAsync(tenant, 1);
        var conversation = (Guid)(await stack.Database.ScalarAsync(tenant.Id, "select id from conversations"))!;
        await using var typist = await ConnectAsync(cutOff.BaseAddress, tenant);
        await using var colleague = await ConnectAsync(cutOff.BaseAddress, tenant, owner: true);

        await typist.InvokeAsync("JoinConversation", conversation);
        await typist.InvokeAsync("StartTyping", conversation, false);

        await colleague.WaitForAsync(HubEvents.TypingStart, 1, Wait);
        Assert.Empty((await colleague.InvokeAsync("GetPresence")).EnumerateArray()); // not known without Redis, and no error
        Assert.Empty((await colleague.InvokeAsync("GetViewers", conversation)).EnumerateArray());
        await typist.DisposeAsync();
        await colleague.WaitForAsync(HubEvents.TypingStop, 1, Wait);
        var health = await cutOff.Http.GetFromJsonAsync<JsonElement>("/health");
        Assert.Equal("Degraded", health.GetProperty("checks").GetProperty("redis").GetProperty("status").GetString());
        Assert.True((await cutOff.Http.GetAsync("/health/ready")).IsSuccessStatusCode);
        Assert.Equal("Healthy", (await stack.Realtime.Http.GetFromJsonAsync<JsonElement>("/health")).GetProperty("checks").GetProperty("redis").GetProperty("status").GetString());
    }

    [Fact]
    public async Task When_Redis_comes_back_the_instance_recovers_without_a_restart()
    {
        await using var redis = new PrivateRedis();
        await redis.StartAsync();
        await using var instance = InboxStack.NewRealtime(new() { ["ConnectionStrings:Redis"] = $"127.0.0.1:{redis.Port},channelPrefix=recovery" }).Start();
        var tenant = await stack.CreateTenantAsync();
        await PostTextsAsync(tenant, 1);
        var conversation = (Guid)(await stack.Database.ScalarAsync(tenant.Id, "select id from conversations"))!;
        await WaitForRedisAsync(instance, "Healthy");
        await using var colleague = await ConnectAsync(instance.BaseAddress, tenant, owner: true);

        await redis.KillAsync();
        await WaitForRedisAsync(instance, "Degraded");
        await using var typist = await ConnectAsync(instance.BaseAddress, tenant); // connects without Redis
        await typist.InvokeAsync("JoinConversation", conversation);
        await typist.InvokeAsync("StartTyping", conversation, false);
        await colleague.WaitForAsync(HubEvents.TypingStart, 1, Wait); // this instance's clients are still served

        await redis.StartAsync(); // empty: whatever it held is gone
        await WaitForRedisAsync(instance, "Healthy");
        // Everyone here is dropped, to reconnect registered with the backplane and catch up from /api/events.
        var deadline = DateTime.UtcNow + Wait;
        while (!(colleague.IsClosed && typist.IsClosed) && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.True(colleague.IsClosed && typist.IsClosed);
        await using var back = await ConnectAsync(instance.BaseAddress, tenant);
        // Redis came back empty: presence is what registered since (a heartbeat that raced the drop expires).
        var presence = new List<JsonElement>();
        for (deadline = DateTime.UtcNow + Wait; DateTime.UtcNow < deadline && presence.Count != 1; await Task.Delay(200))
            presence = [.. (await back.InvokeAsync("GetPresence")).EnumerateArray()];
        Assert.Equal("online", Assert.Single(presence).GetProperty("state").GetString());
        // And stream events travel through the stream channel again.
        await PostTextsAsync(tenant, 1);
        await back.WaitForAsync(HubEvents.MessageNew, 1, Wait);
    }

    private static async Task WaitForRedisAsync(ServiceHost<InboxHub> instance, string status)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(40);
        while (true)
        {
            var health = await instance.Http.GetFromJsonAsync<JsonElement>("/health");
            if (health.GetProperty("checks").GetProperty("redis").GetProperty("status").GetString() == status) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Redis did not become {status}: {health}");
            await Task.Delay(100);
        }
    }
}
