using System.Net.Http.Json;
using System.Text.Json;
using Inbox.Tests.Simulator.Infrastructure;

namespace Inbox.Tests.Simulator;

/// <summary>Anything but a 200 is retried, like Meta retries, until a 200 comes back — and never without bound.</summary>
public sealed class RetryTests
{
    [Fact]
    public async Task Retries_stop_as_soon_as_the_receiver_answers_200()
    {
        await using var receiver = await WebhookReceiver.StartAsync(n => n < 2 ? 500 : 200);
        await using var sim = SimulatorHost.Start(receiver.Url, new() { ["Simulator:Webhooks:MaxAttempts"] = "10" });

        var wamid = await sim.CustomerWritesAsync("15551230030");
        var report = await sim.WaitForReportAsync(r => SimulatorHost.Item(r, "inbound", wamid)?.GetProperty("acknowledged").GetBoolean() == true,
            "the message to be acknowledged");
        // Another customer message goes through after it: had the first one still been retried, it would show here.
        var next = await sim.CustomerWritesAsync("15551230031");
        await sim.WaitForReportAsync(r => SimulatorHost.Item(r, "inbound", next)?.GetProperty("acknowledged").GetBoolean() == true, "the next message");
        await Task.Delay(300); // 30 × the retry delay: room for a wrong extra retry to show up

        var item = SimulatorHost.Item(await sim.ReportAsync(), "inbound", wamid)!.Value;
        Assert.Equal(3, item.GetProperty("attempts").GetInt32());
        Assert.Equal(200, item.GetProperty("lastHttpStatus").GetInt32());
        Assert.False(item.GetProperty("gaveUp").GetBoolean());
        var posts = receiver.Received.Where(p => p.Messages().Contains(wamid)).ToList();
        Assert.Equal([500, 500, 200], posts.Select(p => p.Answer));
        Assert.All(posts, p => Assert.Equal(posts[0].Body, p.Body)); // a retry re-sends the same bytes
        Assert.All(posts, p => Assert.True(p.IsSignedWith(SimulatorHost.AppSecret)));
    }

    [Fact]
    public async Task Retries_are_bounded_by_the_attempt_count()
    {
        await using var receiver = await WebhookReceiver.StartAsync(_ => 503);
        await using var sim = SimulatorHost.Start(receiver.Url, new() { ["Simulator:Webhooks:MaxAttempts"] = "4" });

        var wamid = await sim.CustomerWritesAsync("15551230032");
        await sim.WaitForReportAsync(r => SimulatorHost.Item(r, "inbound", wamid)?.GetProperty("gaveUp").GetBoolean() == true, "giving up");
        await Task.Delay(300);

        var item = SimulatorHost.Item(await sim.ReportAsync(), "inbound", wamid)!.Value;
        Assert.Equal(4, item.GetProperty("attempts").GetInt32());
        Assert.False(item.GetProperty("acknowledged").GetBoolean());
        Assert.Equal(503, item.GetProperty("lastHttpStatus").GetInt32());
        Assert.Equal(4, receiver.Received.Count);
    }

    [Fact]
    public async Task Retries_are_bounded_in_time()
    {
        await using var receiver = await WebhookReceiver.StartAsync(_ => 500);
        await using var sim = SimulatorHost.Start(receiver.Url, new()
        {
            ["Simulator:Webhooks:MaxAttempts"] = "1000",
            ["Simulator:Webhooks:RetryDelay"] = "00:00:00.050",
            ["Simulator:Webhooks:MaxRetryDelay"] = "00:00:01",
            ["Simulator:Webhooks:MaxRetryDuration"] = "00:00:00.500",
        });

        var wamid = await sim.CustomerWritesAsync("15551230033");
        var report = await sim.WaitForReportAsync(r => SimulatorHost.Item(r, "inbound", wamid)?.GetProperty("gaveUp").GetBoolean() == true, "giving up");

        // Delays 0, 50, 100, 200 ms fit in 500 ms; the next (400 ms) would not: at most 5 attempts, far from 1000.
        var attempts = SimulatorHost.Item(report, "inbound", wamid)!.Value.GetProperty("attempts").GetInt32();
        Assert.InRange(attempts, 2, 5);
        Assert.Equal(attempts, receiver.Received.Count);
    }

    [Fact]
    public async Task An_unreachable_receiver_is_retried_and_reported()
    {
        var closed = await WebhookReceiver.StartAsync();
        var url = closed.Url;
        await closed.DisposeAsync(); // nothing listens there any more
        await using var sim = SimulatorHost.Start(url, new() { ["Simulator:Webhooks:MaxAttempts"] = "3" });

        var wamid = await sim.CustomerWritesAsync("15551230034");
        var report = await sim.WaitForReportAsync(r => SimulatorHost.Item(r, "inbound", wamid)?.GetProperty("gaveUp").GetBoolean() == true, "giving up");

        var item = SimulatorHost.Item(report, "inbound", wamid)!.Value;
        Assert.Equal(3, item.GetProperty("attempts").GetInt32());
        Assert.False(item.TryGetProperty("lastHttpStatus", out _));
        Assert.False(string.IsNullOrEmpty(item.GetProperty("lastError").GetString()));
    }

    [Fact]
    public async Task An_injected_payload_can_wait_for_its_delivery_outcome()
    {
        await using var receiver = await WebhookReceiver.StartAsync(n => n == 0 ? 500 : 200);
        await using var sim = SimulatorHost.Start(receiver.Url);

        var response = await sim.Http.PostAsync("/simulator/inject?wait=true", new StringContent(
            """{"object":"whatsapp_business_account","entry":[{"id":"200000000000001","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":"100000000000001"},"statuses":[{"id":"wamid.INJECTED","status":"delivered","timestamp":"1763780000","recipient_id":"15551230035"}]},"field":"messages"}]}]}""",
            System.Text.Encoding.UTF8, "application/json"));
        var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(["wamid.INJECTED"], result.GetProperty("ids").EnumerateArray().Select(i => i.GetString()));
        var delivery = result.GetProperty("delivery");
        Assert.True(delivery.GetProperty("acknowledged").GetBoolean());
        Assert.Equal(2, delivery.GetProperty("attempts").GetInt32());
        Assert.Equal(2, receiver.Received.Count);
    }
}

internal static class ReceivedWebhookExtensions
{
    public static IEnumerable<string?> Messages(this ReceivedWebhook post) =>
        post.Changes.SelectMany(c => c.Messages).Select(m => m.GetProperty("id").GetString());
}
