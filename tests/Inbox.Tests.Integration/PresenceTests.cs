using System.Text.Json;
using Inbox.Contracts;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration;

/// <summary>
/// Presence as a web client sees it: a snapshot (GetPresence) on connect, then presence:update — online, away after
/// Realtime:InactivitySeconds without the agent doing anything (with since: when they were last active), online again
/// on their heartbeat, offline when their last connection goes; and Idle after a reconnect keeps an idle agent away.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class PresenceTests(InboxStack stack)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static async Task<JsonElement?> SnapshotOfAsync(HubClient client, Guid userId) =>
        (await client.InvokeAsync("GetPresence")).EnumerateArray()
        .Select(p => (JsonElement?)p).FirstOrDefault(p => p!.Value.GetProperty("userId").GetGuid() == userId);

    /// <summary>The first presence:update putting the agent in this state, among those after the first <paramref name="after"/>.</summary>
    private static async Task<JsonElement> UpdateAsync(HubClient client, Guid userId, string state, int after = 0)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            var update = client.Received(HubEvents.PresenceUpdate).Skip(after)
                .FirstOrDefault(p => p.GetProperty("userId").GetGuid() == userId && p.GetProperty("state").GetString() == state);
            if (update.ValueKind == JsonValueKind.Object) return update;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The agent never went {state}: {string.Join(" | ", client.Received(HubEvents.PresenceUpdate))}");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task An_agent_is_online_then_away_when_idle_online_on_a_heartbeat_and_offline_when_gone()
    {
        var tenant = await stack.CreateTenantAsync();
        await using var instance = InboxStack.NewRealtime(new() { ["Realtime:InactivitySeconds"] = "2" }).Start();
        var agent = await stack.LoginAgentAsync(tenant);
        var owner = await stack.LoginAgentAsync(tenant, owner: true);
        await using var watcher = await HubClient.ConnectAsync(instance.BaseAddress, owner.AccessToken);
        await using var otherTenant = await HubClient.ConnectAsync(instance.BaseAddress, (await stack.LoginAgentAsync(await stack.CreateTenantAsync())).AccessToken);
        await using var client = await HubClient.ConnectAsync(instance.BaseAddress, agent.AccessToken);

        // Online: announced, and in the snapshot a client reads on (re)connect.
        await UpdateAsync(watcher, agent.UserId, "online");
        var online = (await SnapshotOfAsync(watcher, agent.UserId))!.Value;
        Assert.Equal("online", online.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, online.GetProperty("since").ValueKind);
        var seen = watcher.Received(HubEvents.PresenceUpdate).Count;
        var lastActive = DateTimeOffset.UtcNow;
        await client.InvokeAsync("Heartbeat");

        // Nothing done for 2 s: away, idle since the last thing the agent did.
        var away = await UpdateAsync(watcher, agent.UserId, "away", after: seen);
        var since = away.GetProperty("since").GetDateTimeOffset();
        Assert.InRange(since, lastActive.AddSeconds(-1), lastActive.AddSeconds(1));
        var snapshot = (await SnapshotOfAsync(watcher, agent.UserId))!.Value;
        Assert.Equal(("away", since), (snapshot.GetProperty("state").GetString(), snapshot.GetProperty("since").GetDateTimeOffset()));

        // A heartbeat (sent while the agent is active) brings them back; what a client reads by itself (presence,
        // viewers) is not the agent doing something, so they go away again while it reads.
        seen = watcher.Received(HubEvents.PresenceUpdate).Count;
        await client.InvokeAsync("Heartbeat");
        await UpdateAsync(watcher, agent.UserId, "online", after: seen);
        seen = watcher.Received(HubEvents.PresenceUpdate).Count;
        var reading = Task.Run(async () =>
        {
            for (var i = 0; i < 12; i++, await Task.Delay(250)) await client.InvokeAsync("GetPresence");
        });
        await UpdateAsync(watcher, agent.UserId, "away", after: seen);
        await reading;

        // Gone: offline, and no longer in the snapshot.
        seen = watcher.Received(HubEvents.PresenceUpdate).Count;
        await client.DisposeAsync();
        await UpdateAsync(watcher, agent.UserId, "offline", after: seen);
        Assert.Null(await SnapshotOfAsync(watcher, agent.UserId));
        Assert.DoesNotContain(otherTenant.Received(HubEvents.PresenceUpdate), p => p.GetProperty("userId").GetGuid() == agent.UserId);
        Assert.Null(await SnapshotOfAsync(otherTenant, agent.UserId));
    }

    [Fact]
    public async Task A_client_reconnecting_for_an_idle_agent_keeps_them_away_since_the_same_time()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        await using var watcher = await HubClient.ConnectAsync(stack.Realtime.BaseAddress, (await stack.LoginAgentAsync(tenant, owner: true)).AccessToken);
        await using var client = await HubClient.ConnectAsync(stack.Realtime.BaseAddress, agent.AccessToken);
        await UpdateAsync(watcher, agent.UserId, "online");

        // A new connection starts active; the client says its agent has done nothing for 10 minutes (past the 5 of
        // the default Realtime:InactivitySeconds).
        await client.InvokeAsync("Idle", 600);

        var away = await UpdateAsync(watcher, agent.UserId, "away");
        var since = away.GetProperty("since").GetDateTimeOffset();
        Assert.InRange(since, DateTimeOffset.UtcNow.AddSeconds(-610), DateTimeOffset.UtcNow.AddSeconds(-590));
        await Assert.ThrowsAsync<HubCallException>(() => client.InvokeAsync("Idle", -1));
        await Assert.ThrowsAsync<HubCallException>(() => client.InvokeAsync("Idle", 8 * 24 * 3600));
    }
}
