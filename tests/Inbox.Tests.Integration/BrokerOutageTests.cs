using System.Net;
using Inbox.Contracts;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration;

[Collection(StackCollection.Name)]
public sealed class BrokerOutageTests(InboxStack stack)
{
    /// <summary>
    /// Realtime runs as it would in production: two instances of the stack's deployment, and another deployment (a
    /// Redis of its own) on the same vhost. Whichever instance RabbitMQ hands a stream queue to after the restart, each
    /// deployment takes up its own events again, on each of its instances.
    /// </summary>
    [Fact]
    public async Task With_RabbitMQ_stopped_webhooks_are_still_stored_and_answered_and_the_events_arrive_after_it_returns()
    {
        var tenant = await stack.CreateTenantAsync();
        await using var redis = new PrivateRedis();
        await redis.StartAsync();
        await using var second = InboxStack.NewRealtime().Start();
        await using var elsewhere = InboxStack.NewDeployment(redis).Start();
        await InboxStack.WaitForBusAsync(second);
        await InboxStack.WaitForBusAsync(elsewhere);
        var token = await stack.TokenAsync(tenant);
        await using var agent = await stack.ConnectAgentAsync(tenant);
        await using var onSecond = await HubClient.ConnectAsync(second.BaseAddress, token);
        await using var onElsewhere = await HubClient.ConnectAsync(elsewhere.BaseAddress, token);
        var items = Enumerable.Range(0, 3)
            .Select(i => new TextItem($"49160000000{i}", $"Customer {i}", Webhooks.NewWamid(), $"during the outage {i}"))
            .ToList();

        await Rabbitmqctl.RunAsync("stop_app");
        try
        {
            foreach (var item in items)
            {
                var response = await stack.Ingest.Http.SendAsync(
                    Webhooks.Signed(Webhooks.Envelope([Webhooks.TextChange(tenant.PhoneNumberId, item)])));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
            Assert.Equal(3, await stack.Database.CountAsync(tenant.Id, "select count(*) from messages"));
            // (Each message also causes a conversation:updated, and Workers' timers may add more: count the messages' own.)
            Assert.Equal(3, await stack.Database.CountAsync(tenant.Id,
                "select count(*) from outbox_pending where message_type like '%.MessageReceived'"));
            Assert.Empty(agent.Received(HubEvents.MessageNew));
        }
        finally
        {
            await Rabbitmqctl.RunAsync("start_app");
        }

        foreach (var client in new[] { agent, onSecond, onElsewhere })
        {
            var events = await client.WaitForAsync(HubEvents.MessageNew, 3, TimeSpan.FromSeconds(90));
            Assert.Equal(items.Select(i => i.Wamid).Order(), events.Select(e => e.GetProperty("message").GetProperty("wamid").GetString()).Order());
        }
        var deadline = DateTime.UtcNow.AddSeconds(30); // rows written just before the last event may still be on their way
        while (await stack.Database.CountAsync(tenant.Id, "select count(*) from outbox_pending") > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "Outbox rows were left unpublished after the broker returned.");
            await Task.Delay(100);
        }
    }
}
