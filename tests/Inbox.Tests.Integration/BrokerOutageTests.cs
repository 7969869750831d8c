using System.Diagnostics;
using System.Net;
using Inbox.Contracts;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration;

[Collection(StackCollection.Name)]
public sealed class BrokerOutageTests(InboxStack stack)
{
    [Fact]
    public async Task With_RabbitMQ_stopped_webhooks_are_still_stored_and_answered_and_the_events_arrive_after_it_returns()
    {
        var tenant = await stack.CreateTenantAsync();
        await using var agent = await stack.ConnectAgentAsync(tenant);
        var items = Enumerable.Range(0, 3)
            .Select(i => new TextItem($"49160000000{i}", $"Customer {i}", Webhooks.NewWamid(), $"during the outage {i}"))
            .ToList();

        await Rabbitmqctl("stop_app");
        try
        {
            foreach (var item in items)
            {
                var response = await stack.Ingest.Http.SendAsync(
                    Webhooks.Signed(Webhooks.Envelope([Webhooks.TextChange(tenant.PhoneNumberId, item)])));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
            Assert.Equal(3, await stack.Database.CountAsync(tenant.Id, "select count(*) from messages"));
            Assert.Equal(3, await stack.Database.CountAsync(tenant.Id,
                "select count(*) from outbox where published_at is null and message_type like '%.MessageReceived'"));
            Assert.Empty(agent.Received(HubEvents.MessageNew));
        }
        finally
        {
            await Rabbitmqctl("start_app");
        }

        var events = await agent.WaitForAsync(HubEvents.MessageNew, 3, TimeSpan.FromSeconds(90));
        Assert.Equal(items.Select(i => i.Wamid).Order(), events.Select(e => e.GetProperty("message").GetProperty("wamid").GetString()).Order());
        Assert.Equal(0, await stack.Database.CountAsync(tenant.Id, "select count(*) from outbox where published_at is null"));
    }

    private static async Task Rabbitmqctl(string command)
    {
        using var process = Process.Start(new ProcessStartInfo("rabbitmqctl", ["-q", command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"rabbitmqctl {command} failed: {await process.StandardError.ReadToEndAsync()}");
    }
}
