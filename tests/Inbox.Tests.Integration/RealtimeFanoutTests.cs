using System.Diagnostics;
using Inbox.Contracts;
using Inbox.Realtime;
using Inbox.Tests.Integration.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Inbox.Tests.Integration;

/// <summary>
/// Pushes never wait on one client: each connection has its own bounded backlog, so a client that stops reading
/// delays no one else, and it is dropped once its backlog overflows or a write to it stays pending too long. Every
/// client still gets its events complete and in order.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class RealtimeFanoutTests(InboxStack stack)
{
    private static readonly string Big = new('z', 20_000);

    /// <summary>One webhook of <paramref name="count"/> customer messages (four customers); returns once it is acknowledged.</summary>
    private async Task SendBatchAsync(TestTenant tenant, int batch, int count, string body)
    {
        var items = Enumerable.Range(0, count)
            .Select(i => new TextItem($"4919600{i % 4:D5}", "Customer", Webhooks.NewWamid(), $"{batch}-{i} {body}")).ToArray();
        (await stack.Ingest.Http.SendAsync(Webhooks.Signed(Webhooks.Envelope([Webhooks.TextChange(tenant.PhoneNumberId, items)]))))
            .EnsureSuccessStatusCode();
    }

    private static int ConnectionsOf(ServiceHost<InboxHub> realtime, TestTenant tenant) =>
        realtime.Services.GetRequiredService<LocalConnections>().All.Count(c => c.TenantId == tenant.Id);

    /// <summary>
    /// Waits until <paramref name="client"/> has the tenant's latest stream position, then checks it got every
    /// position of the tenant's stream exactly once and in order (all of an inbound message's events go to the whole
    /// tenant, and the browser drops a position at or below the last one it applied).
    /// </summary>
    private async Task AssertWholeStreamInOrderAsync(HubClient client, TestTenant tenant, TimeSpan timeout)
    {
        var last = await stack.Database.StreamHeadAsync(tenant.Id);
        IReadOnlyList<long> Positions() => [.. client.Timeline()
            .Where(e => e.Payload.ValueKind == System.Text.Json.JsonValueKind.Object && e.Payload.TryGetProperty("position", out _))
            .Select(e => e.Payload.GetProperty("position").GetInt64())];
        var deadline = DateTime.UtcNow + timeout;
        while (!Positions().Contains(last))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Position {last} did not arrive; got {Positions().Count} events.");
            await Task.Delay(50);
        }
        Assert.Equal(Enumerable.Range(1, (int)last).Select(p => (long)p), Positions());
    }

    [Fact]
    public async Task Clients_that_stop_reading_hold_up_no_one_of_their_tenant_and_go_once_their_backlog_overflows()
    {
        // A bound the first phase cannot reach (each stuck client has at most 480 events queued by then), and a
        // deadline out of reach: the stuck clients stay connected until the second phase overflows their backlogs.
        await using var realtime = InboxStack.NewRealtime(new()
        {
            ["Realtime:PushBacklogEvents"] = "1000",
            ["Realtime:PushBacklogBytes"] = $"{256 * 1024 * 1024}",
            ["Realtime:PushDeadlineSeconds"] = "600",
        }).Start();
        await InboxStack.WaitForBusAsync(realtime);
        var tenant = await stack.CreateTenantAsync();
        var token = await stack.TokenAsync(tenant);
        await using var healthy = await HubClient.ConnectAsync(realtime.BaseAddress, token);
        await using var typist = await HubClient.ConnectAsync(realtime.BaseAddress, await stack.LoginAsync(tenant.OwnerEmail, tenant.Password));
        var stuck = new List<StuckClient>();
        try
        {
            // Phase 1: 6 webhooks of 40 messages of 20 KB (4.8 MB for each client, more than a socket's buffers
            // hold); another client stops reading before each of the first three.
            var acknowledged = Stopwatch.GetTimestamp();
            for (var batch = 0; batch < 6; batch++)
            {
                if (batch < 3) stuck.Add(await StuckClient.ConnectAsync(realtime.BaseAddress, token));
                await SendBatchAsync(tenant, batch, 40, Big);
                acknowledged = Stopwatch.GetTimestamp();
            }

            // The healthy client has all of it, in order and promptly — each stuck client used to hold every later
            // push for up to 2 s, and up to 10 s in all — while the stuck ones are still connected, their backlogs
            // waiting.
            await healthy.WaitForAsync(HubEvents.MessageNew, 240, TimeSpan.FromSeconds(60));
            var took = Stopwatch.GetElapsedTime(acknowledged);
            Assert.Equal(2 + stuck.Count, ConnectionsOf(realtime, tenant));
            Assert.True(took < TimeSpan.FromSeconds(8), $"The healthy client got the last event {took.TotalSeconds:0.0} s after the last webhook was acknowledged.");
            await AssertWholeStreamInOrderAsync(healthy, tenant, TimeSpan.FromSeconds(20));

            // Typing goes the same way (to the tenant but the typist), behind the same stuck clients.
            var conversation = healthy.Received(HubEvents.MessageNew)[0].GetProperty("conversationId").GetGuid();
            await typist.InvokeAsync("JoinConversation", conversation);
            await typist.InvokeAsync("StartTyping", conversation, false);
            await healthy.WaitForAsync(HubEvents.TypingStart, 1, TimeSpan.FromSeconds(10));
            Assert.Equal(2 + stuck.Count, ConnectionsOf(realtime, tenant));

            // Phase 2: 800 more messages (1,600 events, 16 MB): every stuck client's backlog overflows and it is
            // dropped; the healthy clients are not, and miss nothing.
            for (var batch = 6; batch < 26; batch++) await SendBatchAsync(tenant, batch, 40, Big);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (ConnectionsOf(realtime, tenant) > 2 && DateTime.UtcNow < deadline) await Task.Delay(100);
            Assert.Equal(2, ConnectionsOf(realtime, tenant));
            await healthy.WaitForAsync(HubEvents.MessageNew, 26 * 40, TimeSpan.FromSeconds(60));
            await AssertWholeStreamInOrderAsync(healthy, tenant, TimeSpan.FromSeconds(30));
            Assert.False(healthy.IsClosed);
            Assert.False(typist.IsClosed);
        }
        finally
        {
            foreach (var client in stuck) await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task With_the_default_limits_a_client_that_stops_reading_is_dropped_and_the_others_miss_nothing()
    {
        var tenant = await stack.CreateTenantAsync();
        var token = await stack.TokenAsync(tenant);
        await using var reader = await HubClient.ConnectAsync(stack.Realtime.BaseAddress, token);
        await using var stalled = await StuckClient.ConnectAsync(stack.Realtime.BaseAddress, token, receiveBufferBytes: 64 * 1024);

        // Far more than the socket buffers and the 1 MB backlog hold: 24 MB of events.
        for (var batch = 0; batch < 30; batch++) await SendBatchAsync(tenant, batch, 40, Big);

        await reader.WaitForAsync(HubEvents.MessageNew, 1200, TimeSpan.FromSeconds(90));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (ConnectionsOf(stack.Realtime, tenant) > 1 && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.Equal(1, ConnectionsOf(stack.Realtime, tenant)); // only the reading connection is left
        await AssertWholeStreamInOrderAsync(reader, tenant, TimeSpan.FromSeconds(30));
        Assert.False(reader.IsClosed);
    }

    [Fact]
    public async Task Room_events_reach_the_rooms_members_and_stop_when_one_leaves()
    {
        var tenant = await stack.CreateTenantAsync();
        await SendBatchAsync(tenant, 0, 1, "hello");
        var conversation = (Guid)(await stack.Database.ScalarAsync(tenant.Id, "select id from conversations"))!;
        var wamid = Webhooks.NewWamid();
        await stack.Database.ScalarAsync(tenant.Id, """
            insert into messages (id, tenant_id, conversation_id, channel_id, wamid, direction, type, text, sent_at, status, status_at)
            select $1, c.tenant_id, c.id, c.channel_id, $3, 'outbound', 'text', 'On its way', now(), 'queued', now()
            from conversations c where c.id = $2
            """, Guid.CreateVersion7(), conversation, wamid);
        await using var stays = await stack.ConnectAgentAsync(tenant);
        await using var leaves = await stack.ConnectAgentAsync(tenant);
        await using var elsewhere = await stack.ConnectAgentAsync(tenant);
        await stays.InvokeAsync("JoinConversation", conversation);
        await leaves.InvokeAsync("JoinConversation", conversation);

        await PostStatusAsync(tenant, wamid, "sent");
        await stays.WaitForAsync(HubEvents.MessageStatus, 1, TimeSpan.FromSeconds(20));
        await leaves.WaitForAsync(HubEvents.MessageStatus, 1, TimeSpan.FromSeconds(20));
        await leaves.InvokeAsync("LeaveConversation", conversation);
        await PostStatusAsync(tenant, wamid, "delivered");
        await stays.WaitForAsync(HubEvents.MessageStatus, 2, TimeSpan.FromSeconds(20));
        await Task.Delay(500);

        Assert.Single(leaves.Received(HubEvents.MessageStatus));
        Assert.Empty(elsewhere.Received(HubEvents.MessageStatus)); // not in the room at all
    }

    [Fact]
    public async Task The_slow_clients_bench_scenario_runs_clean_on_a_short_run()
    {
        var target = new Inbox.Bench.BenchTarget(stack.Api.BaseAddress, stack.Ingest.BaseAddress, stack.Realtime.BaseAddress,
            TestSettings.AppConnectionString, TestSettings.AppSecret,
            Environment.GetEnvironmentVariable("Secrets__Key") ?? throw new InvalidOperationException("Secrets__Key is not set"),
            Environment.ProcessId); // Realtime runs in this process here
        var tenants = await Inbox.Bench.BenchTenants.PrepareAsync(target, 2, 2, CancellationToken.None);
        var options = Inbox.Bench.BenchOptions.Of(("listeners", 6), ("stuck", 2), ("slow-rate", 10), ("slow-duration", 1), ("body-bytes", 500));

        var result = await Inbox.Bench.Scenarios.SlowClients.RunAsync(target, tenants, options, alone: false, CancellationToken.None);

        Assert.True(result.Ok, result.Reconciliation?.ToString());
        Assert.Equal(20L, result.Reconciliation!.Delivered); // 10 messages over 2 tenants; each of the 4 healthy listeners gets its tenant's 5
        Assert.Contains(result.Metrics, m => m.Name == "webhook → listener, with stuck p99");
        Assert.Contains(result.Metrics, m => m.Name == "stuck connections dropped by the server");
        Assert.Equal(3, result.Targets.Count);
    }

    private async Task PostStatusAsync(TestTenant tenant, string wamid, string status) =>
        (await stack.Ingest.Http.SendAsync(Webhooks.Signed(Webhooks.Envelope([Webhooks.StatusChange(tenant.PhoneNumberId, wamid, status, null)]))))
            .EnsureSuccessStatusCode();
}
