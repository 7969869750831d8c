using System.Net.Http.Json;
using System.Text.Json;
using Inbox.Tests.Simulator.Infrastructure;
using Inbox.WhatsApp;

namespace Inbox.Tests.Simulator;

/// <summary>The status webhooks that follow an accepted send: shapes, order, signatures and the 24-hour window.</summary>
public sealed class StatusWebhookTests
{
    [Fact]
    public async Task A_reply_inside_the_window_goes_sent_delivered_read_in_signed_documented_webhooks()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        const string customer = "15551230010";
        await sim.CustomerWritesAsync(customer);

        var wamid = await sim.SendTextAsync(customer, opaque: "outbound-row-42");
        await receiver.WaitForStatusesAsync(wamid, "sent", "delivered", "read");

        var statuses = receiver.Statuses.Where(s => s.Status.GetProperty("id").GetString() == wamid).ToList();
        Assert.Equal(["delivered", "read", "sent"], statuses.Select(s => s.Status.GetProperty("status").GetString()).Order());
        foreach (var (status, post, change) in statuses)
        {
            Assert.True(post.IsSignedWith(SimulatorHost.AppSecret));
            Assert.False(post.IsSignedWith("another-secret"));
            Assert.Equal("facebookexternalua", post.UserAgent);
            Assert.Equal("whatsapp_business_account", post.Json.GetProperty("object").GetString());
            Assert.Equal(("messages", SimulatorHost.NumberId, SimulatorHost.WabaId), (change.Field, change.PhoneNumberId, change.WabaId));
            Assert.Equal(SimulatorHost.DisplayNumber, change.Value.GetProperty("metadata").GetProperty("display_phone_number").GetString());
            Assert.Equal("whatsapp", change.Value.GetProperty("messaging_product").GetString());
            Assert.Equal(JsonValueKind.String, status.GetProperty("timestamp").ValueKind);
            Assert.True(long.TryParse(status.GetProperty("timestamp").GetString(), out _));
            Assert.Equal(customer, status.GetProperty("recipient_id").GetString());
            Assert.Equal("outbound-row-42", status.GetProperty("biz_opaque_callback_data").GetString());
            Assert.False(status.TryGetProperty("errors", out _));
            Assert.False(status.TryGetProperty("conversation", out _)); // omitted from v24.0 on
        }

        var sent = receiver.StatusOf(wamid, "sent");
        var pricing = sent.GetProperty("pricing");
        Assert.Equal(("PMP", "service", "free_customer_service", false),
            (pricing.GetProperty("pricing_model").GetString(), pricing.GetProperty("category").GetString(),
             pricing.GetProperty("type").GetString(), pricing.GetProperty("billable").GetBoolean()));
        Assert.True(receiver.StatusOf(wamid, "delivered").TryGetProperty("pricing", out _));
        Assert.False(receiver.StatusOf(wamid, "read").TryGetProperty("pricing", out _)); // on sent and one of delivered/read
        var times = new[] { "sent", "delivered", "read" }.Select(s => long.Parse(receiver.StatusOf(wamid, s).GetProperty("timestamp").GetString()!)).ToList();
        Assert.Equal(times.Order(), times);

        var report = await sim.WaitForReportAsync(r => r.GetProperty("sends").EnumerateArray()
            .Any(s => s.GetProperty("id").GetString() == wamid && s.GetProperty("status").GetString() == "read"), "the send to reach read");
        Assert.All(["sent", "delivered", "read"], s => Assert.True(SimulatorHost.Item(report, "statuses", wamid, s)?.GetProperty("acknowledged").GetBoolean()));
    }

    [Fact]
    public async Task A_free_form_send_outside_the_window_is_accepted_then_fails_with_131047_while_a_template_goes_through()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        const string customer = "15551230011"; // never wrote: no window

        var freeForm = await sim.SendTextAsync(customer);
        var template = await SimulatorHost.AcceptedWamidAsync(await sim.SendAsync(
            $$$$"""{"messaging_product":"whatsapp","to":"{{{{customer}}}}","type":"template","template":{"name":"order_update","language":{"code":"en_US"}}}"""));
        await receiver.WaitForStatusesAsync(freeForm, "failed");
        await receiver.WaitForStatusesAsync(template, "sent", "delivered", "read");

        Assert.Equal(["failed"], receiver.StatusesOf(freeForm));
        var failed = receiver.StatusOf(freeForm, "failed");
        Assert.Equal(customer, failed.GetProperty("recipient_id").GetString());
        Assert.False(failed.TryGetProperty("pricing", out _));
        var error = Assert.Single(failed.GetProperty("errors").EnumerateArray());
        Assert.Equal(131047, error.GetProperty("code").GetInt32());
        Assert.Equal("Re-engagement message", error.GetProperty("title").GetString());
        Assert.Equal(error.GetProperty("title").GetString(), error.GetProperty("message").GetString());
        Assert.Contains("24 hours", error.GetProperty("error_data").GetProperty("details").GetString());
        Assert.StartsWith("https:", error.GetProperty("href").GetString());

        var pricing = receiver.StatusOf(template, "sent").GetProperty("pricing");
        Assert.Equal(("utility", "regular", true),
            (pricing.GetProperty("category").GetString(), pricing.GetProperty("type").GetString(), pricing.GetProperty("billable").GetBoolean()));
        var report = await sim.ReportAsync();
        var send = report.GetProperty("sends").EnumerateArray().Single(s => s.GetProperty("id").GetString() == freeForm);
        Assert.Equal(("failed", 131047), (send.GetProperty("status").GetString(), send.GetProperty("errorCode").GetInt32()));
    }

    [Fact]
    public async Task The_window_closes_24_hours_after_the_customers_last_message()
    {
        var clock = new ShiftableClock();
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url, clock: clock);
        const string customer = "15551230012";
        await sim.CustomerWritesAsync(customer);

        clock.Advance(TimeSpan.FromHours(23));
        var inside = await sim.SendTextAsync(customer);
        clock.Advance(TimeSpan.FromHours(2));
        var outside = await sim.SendTextAsync(customer);

        await receiver.WaitForStatusesAsync(inside, "read");
        await receiver.WaitForStatusesAsync(outside, "failed");
        Assert.DoesNotContain("failed", receiver.StatusesOf(inside));
        Assert.Equal(["failed"], receiver.StatusesOf(outside));
    }

    [Fact]
    public async Task A_reaction_only_ever_gets_sent()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        const string customer = "15551230013";
        var inbound = await sim.CustomerWritesAsync(customer);

        var reaction = await SimulatorHost.AcceptedWamidAsync(await sim.SendAsync(
            $$$"""{"messaging_product":"whatsapp","to":"{{{customer}}}","type":"reaction","reaction":{"message_id":"{{{inbound}}}","emoji":"👍"}}"""));
        var text = await sim.SendTextAsync(customer); // its read comes after the reaction's delivered would have
        await receiver.WaitForStatusesAsync(text, "read");
        await receiver.WaitForStatusesAsync(reaction, "sent");

        Assert.Equal(["sent"], receiver.StatusesOf(reaction));
    }

    [Fact]
    public async Task Before_v24_statuses_carry_a_conversation()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url, new() { ["Simulator:GraphVersion"] = "v23.0" });
        const string customer = "15551230014";
        await sim.CustomerWritesAsync(customer);

        var wamid = await sim.SendTextAsync(customer);
        await receiver.WaitForStatusesAsync(wamid, "sent", "delivered");

        var sent = receiver.StatusOf(wamid, "sent").GetProperty("conversation");
        Assert.False(string.IsNullOrEmpty(sent.GetProperty("id").GetString()));
        Assert.Equal(JsonValueKind.String, sent.GetProperty("expiration_timestamp").ValueKind);
        Assert.Equal("service", sent.GetProperty("origin").GetProperty("type").GetString());
        Assert.False(receiver.StatusOf(wamid, "delivered").GetProperty("conversation").TryGetProperty("expiration_timestamp", out _));
    }

    [Fact]
    public async Task A_send_to_a_business_scoped_user_id_names_the_recipient_by_user_id()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        const string customer = "15551230015";
        await sim.CustomerWritesAsync(customer);
        await receiver.WaitForAsync(r => r.Messages.Count == 1, "the customer's message");
        var (message, _, change) = receiver.Messages[0];
        var bsuid = message.GetProperty("from_user_id").GetString()!;
        Assert.Equal(bsuid, InboundMessage.Parse(message, change.Value).Bsuid);

        var response = await sim.SendAsync($$$"""{"messaging_product":"whatsapp","recipient":"{{{bsuid}}}","type":"text","text":{"body":"hi"}}""");
        var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var wamid = answer.GetProperty("messages")[0].GetProperty("id").GetString()!;
        await receiver.WaitForStatusesAsync(wamid, "read");

        Assert.Equal(bsuid, answer.GetProperty("contacts")[0].GetProperty("user_id").GetString());
        var read = receiver.StatusOf(wamid, "read");
        Assert.Equal(bsuid, read.GetProperty("recipient_user_id").GetString());
        Assert.False(read.TryGetProperty("recipient_id", out _));
    }

    [Fact]
    public async Task An_injected_asynchronous_failure_is_accepted_then_reported_as_failed()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        const string customer = "15551230016";
        await sim.CustomerWritesAsync(customer);
        await Control.FailNextAsync(sim, new { code = 131026 });

        var undeliverable = await sim.SendTextAsync(customer);
        var fine = await sim.SendTextAsync(customer);
        await receiver.WaitForStatusesAsync(undeliverable, "failed");
        await receiver.WaitForStatusesAsync(fine, "read");

        Assert.Equal(131026, receiver.StatusOf(undeliverable, "failed").GetProperty("errors")[0].GetProperty("code").GetInt32());
        Assert.Equal(["failed"], receiver.StatusesOf(undeliverable));
    }

    [Fact]
    public async Task Statuses_can_be_shuffled_and_still_all_arrive_with_their_true_timestamps()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url, new() { ["Simulator:Webhooks:ShuffleJitter"] = "00:00:00.300" });
        const string customer = "15551230017";
        await sim.CustomerWritesAsync(customer);

        var wamids = new List<string>();
        for (var i = 0; i < 5; i++) wamids.Add(await sim.SendTextAsync(customer, $"message {i}"));
        foreach (var wamid in wamids) await receiver.WaitForStatusesAsync(wamid, "sent", "delivered", "read");

        foreach (var wamid in wamids)
        {
            Assert.Equal(3, receiver.StatusesOf(wamid).Count);
            var times = new[] { "sent", "delivered", "read" }
                .Select(s => long.Parse(receiver.StatusOf(wamid, s).GetProperty("timestamp").GetString()!)).ToList();
            Assert.Equal(times.Order(), times);
        }
    }
}
