using System.Net;
using Inbox.Contracts;
using Inbox.Realtime;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration;

/// <summary>Every pushed event carries its place in the stream; a client that was away gets exactly what it missed.</summary>
[Collection(StackCollection.Name)]
public sealed class ReconnectTests(InboxStack stack)
{
    private async Task PostTextsAsync(TestTenant tenant, int count, string prefix, int customers = 3)
    {
        for (var i = 0; i < count; i++)
        {
            var item = new TextItem($"49188000000{i % customers}", $"Customer {i % customers}", Webhooks.NewWamid(), $"{prefix} {i}", 1_763_780_000 + i);
            var response = await stack.Ingest.Http.SendAsync(Webhooks.Signed(Webhooks.Envelope([Webhooks.TextChange(tenant.PhoneNumberId, item)])));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task Positions_are_gap_free_per_tenant_and_sequences_gap_free_per_conversation()
    {
        var tenant = await stack.CreateTenantAsync();
        await using var agent = await stack.ConnectAgentAsync(tenant);

        await PostTextsAsync(tenant, 9, "numbered", customers: 3);

        var pushed = await agent.WaitForAsync(HubEvents.MessageNew, 9, TimeSpan.FromSeconds(20));
        await agent.WaitForAsync(HubEvents.ConversationUpdated, 9, TimeSpan.FromSeconds(20)); // the last one trails its message
        var all = agent.All().Where(e => e.Name is HubEvents.MessageNew or HubEvents.ConversationUpdated).ToList();
        Assert.Equal(Enumerable.Range(1, 18).Select(i => (long)i), all.Select(e => e.Payload.GetProperty("position").GetInt64()));
        foreach (var conversation in all.GroupBy(e => e.Payload.GetProperty("conversationId").GetGuid()))
            Assert.Equal(Enumerable.Range(1, 6).Select(i => (long)i), conversation.Select(e => e.Payload.GetProperty("sequence").GetInt64()));
        Assert.Equal(pushed.Select(e => e.GetProperty("message").GetProperty("text").GetString()),
            Enumerable.Range(0, 9).Select(i => $"numbered {i}"));
    }

    [Fact]
    public async Task A_client_away_for_10_seconds_while_50_messages_arrive_recovers_all_50_in_order_without_duplicates()
    {
        var tenant = await stack.CreateTenantAsync();
        var token = await stack.TokenAsync(tenant);
        var follower = new StreamFollower(stack.Api.Http, token);
        await using (var first = await HubClient.ConnectAsync(stack.Realtime.BaseAddress, token))
        {
            await PostTextsAsync(tenant, 5, "before");
            await first.WaitForAsync(HubEvents.MessageNew, 5, TimeSpan.FromSeconds(20));
            await Task.Delay(500);
            follower.ApplyLive(first.All());
        }

        // Away: 50 messages arrive over ten seconds.
        var away = DateTime.UtcNow;
        for (var batch = 0; batch < 10; batch++)
        {
            await PostTextsAsync(tenant, 5, $"away {batch}");
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        Assert.True(DateTime.UtcNow - away >= TimeSpan.FromSeconds(10));

        // Back: live events start flowing at once (and are held) while the client catches up.
        await using var second = await HubClient.ConnectAsync(stack.Realtime.BaseAddress, token);
        var during = Task.Run(() => PostTextsAsync(tenant, 5, "after"));
        await follower.CatchUpAsync();
        await during;
        await second.WaitForAsync(HubEvents.MessageNew, 5, TimeSpan.FromSeconds(20));
        await Task.Delay(500);
        follower.ApplyLive(second.All());
        await follower.CatchUpAsync(); // whatever the live stream did not carry to this client

        var texts = follower.Applied.Where(e => e.Name == HubEvents.MessageNew)
            .Select(e => e.Payload.GetProperty("message").GetProperty("text").GetString()).ToList();
        var expected = Enumerable.Range(0, 5).Select(i => $"before {i}")
            .Concat(Enumerable.Range(0, 10).SelectMany(b => Enumerable.Range(0, 5).Select(i => $"away {b} {i}")))
            .Concat(Enumerable.Range(0, 5).Select(i => $"after {i}"));
        Assert.Equal(expected, texts);
        var positions = follower.Applied.Select(e => e.Position).ToList();
        Assert.Equal(positions.Count, positions.Distinct().Count());
        Assert.Equal(Enumerable.Range(1, positions.Count).Select(i => (long)i), positions);
    }

    [Fact]
    public async Task After_a_Realtime_restart_a_client_recovers_what_it_missed_the_same_way()
    {
        var tenant = await stack.CreateTenantAsync();
        var token = await stack.TokenAsync(tenant);
        var follower = new StreamFollower(stack.Api.Http, token);
        var realtime = InboxStack.NewRealtime().Start();
        try
        {
            await InboxStack.WaitForBusAsync(realtime);
            await using var client = await HubClient.ConnectAsync(realtime.BaseAddress, token);
            await PostTextsAsync(tenant, 3, "before");
            await client.WaitForAsync(HubEvents.MessageNew, 3, TimeSpan.FromSeconds(20));
            await Task.Delay(300);
            follower.ApplyLive(client.All());
        }
        finally
        {
            await realtime.DisposeAsync(); // the instance goes away with its connections
        }

        await PostTextsAsync(tenant, 20, "while down");
        await using var restarted = InboxStack.NewRealtime().Start();
        await using var again = await HubClient.ConnectAsync(restarted.BaseAddress, token);
        await follower.CatchUpAsync();

        var texts = follower.Applied.Where(e => e.Name == HubEvents.MessageNew)
            .Select(e => e.Payload.GetProperty("message").GetProperty("text").GetString()).ToList();
        Assert.Equal(Enumerable.Range(0, 3).Select(i => $"before {i}").Concat(Enumerable.Range(0, 20).Select(i => $"while down {i}")), texts);
        Assert.Equal(follower.Applied.Count, follower.Applied.Select(e => e.Position).Distinct().Count());
    }

    [Fact]
    public async Task Catching_up_shows_only_the_callers_tenant_and_validates_its_input()
    {
        var tenant = await stack.CreateTenantAsync();
        var other = await stack.CreateTenantAsync();
        await PostTextsAsync(tenant, 2, "mine");
        await PostTextsAsync(other, 2, "theirs");

        var follower = new StreamFollower(stack.Api.Http, await stack.TokenAsync(tenant));
        await follower.CatchUpAsync();
        Assert.Equal(["mine 0", "mine 1"], follower.Applied.Where(e => e.Name == HubEvents.MessageNew)
            .Select(e => e.Payload.GetProperty("message").GetProperty("text").GetString()));

        var request = new HttpRequestMessage(HttpMethod.Get, "/api/events?after=-1");
        request.Headers.Authorization = new("Bearer", await stack.TokenAsync(tenant));
        Assert.Equal(HttpStatusCode.BadRequest, (await stack.Api.Http.SendAsync(request)).StatusCode);
    }
}
