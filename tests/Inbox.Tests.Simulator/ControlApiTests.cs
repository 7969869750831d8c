using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Inbox.Tests.Simulator.Infrastructure;

namespace Inbox.Tests.Simulator;

/// <summary>/simulator: traffic on and off, the report the benchmark reconciles with, payload injection, numbers, failures.</summary>
public sealed class ControlApiTests
{
    [Fact]
    public async Task Traffic_starts_and_stops_and_the_report_lists_every_id_sent_and_acknowledged()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);

        var started = await sim.Http.PostAsJsonAsync("/simulator/traffic/start", new { rate = 100, customers = 5 });
        Assert.True(JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement.GetProperty("running").GetBoolean());
        await receiver.WaitForAsync(r => r.Messages.Count >= 20, "some traffic");
        var stopped = JsonDocument.Parse(await (await sim.Http.PostAsync("/simulator/traffic/stop", null)).Content.ReadAsStringAsync()).RootElement;
        Assert.False(stopped.GetProperty("running").GetBoolean());
        var generated = stopped.GetProperty("generated").GetInt64();

        var report = await sim.WaitForReportAsync(r => r.GetProperty("summary").GetProperty("inbound").GetProperty("pending").GetInt32() == 0,
            "every message delivered");
        await Task.Delay(200); // stopped means stopped: nothing new arrives
        Assert.Equal(generated, receiver.Messages.Count);

        var reported = report.GetProperty("inbound").EnumerateArray().ToList();
        Assert.Equal(generated, reported.Count);
        Assert.All(reported, i => Assert.True(i.GetProperty("acknowledged").GetBoolean()));
        Assert.Equal(
            receiver.Messages.Select(m => m.Message.GetProperty("id").GetString()).Order(),
            reported.Select(i => i.GetProperty("id").GetString()).Order());
        Assert.Equal(generated, report.GetProperty("summary").GetProperty("inbound").GetProperty("acknowledged").GetInt32());
    }

    [Fact]
    public async Task An_injected_payload_is_re_encoded_like_Meta_signed_and_opens_the_customers_window()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        const string customer = "15551230040";
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var payload = $$$"""
            {
              "object": "whatsapp_business_account",
              "entry": [{"id": "200000000000001", "changes": [{"value": {"messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "15550001111", "phone_number_id": "100000000000001"},
                "contacts": [{"profile": {"name": "Renée"}, "wa_id": "{{{customer}}}"}],
                "messages": [{"from": "{{{customer}}}", "id": "wamid.INJECTED1", "timestamp": "{{{timestamp}}}", "type": "text",
                  "text": {"body": "olá / ñ"}}]}, "field": "messages"}]}]
            }
            """;

        var response = await sim.Http.PostAsync("/simulator/inject", new StringContent(payload, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await receiver.WaitForAsync(r => r.Received.Count == 1, "the injected payload");

        var raw = Encoding.ASCII.GetString(receiver.Received[0].Body);
        Assert.Contains(@"""body"":""ol\u00e1 \/ \u00f1""", raw);
        Assert.Contains(@"""name"":""Ren\u00e9e""", raw);
        Assert.True(receiver.Received[0].IsSignedWith(SimulatorHost.AppSecret));

        var reply = await sim.SendTextAsync(customer); // inside the window the injected message opened
        await receiver.WaitForStatusesAsync(reply, "read");
        var report = await sim.WaitForReportAsync(r => SimulatorHost.Item(r, "inbound", "wamid.INJECTED1")?.GetProperty("acknowledged").GetBoolean() == true,
            "the injected message acknowledged");
        Assert.Equal(customer, SimulatorHost.Item(report, "inbound", "wamid.INJECTED1")!.Value.GetProperty("customer").GetString());
    }

    [Fact]
    public async Task A_verbatim_injection_sends_the_given_bytes_unchanged()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        var payload = Encoding.UTF8.GetBytes("""{"object":"whatsapp_business_account", "entry":[{"id":"0","changes":[{"field":"messages","value":{"note":"café"}}]}]}""");

        var response = await sim.Http.PostAsync("/simulator/inject?verbatim=true&wait=true", new ByteArrayContent(payload));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        Assert.Equal(payload, receiver.Received.Single().Body);
        Assert.True(receiver.Received[0].IsSignedWith(SimulatorHost.AppSecret));
    }

    [Fact]
    public async Task A_payload_that_is_not_json_is_refused()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);

        var response = await sim.Http.PostAsync("/simulator/inject", new StringContent("{not json", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(receiver.Received);
    }

    [Fact]
    public async Task A_number_added_at_runtime_can_send_with_its_token_and_receives_traffic()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);

        var added = await sim.Http.PostAsJsonAsync("/simulator/numbers", new { phoneNumberId = "100000000000777", accessToken = "token-777" });
        Assert.True(added.IsSuccessStatusCode, await added.Content.ReadAsStringAsync());

        await SimulatorHost.AcceptedWamidAsync(await sim.SendAsync(
            """{"messaging_product":"whatsapp","to":"15551230041","type":"text","text":{"body":"hi"}}""", "token-777", "100000000000777"));
        await sim.CustomerWritesAsync("15551230042", number: "100000000000777");
        await receiver.WaitForAsync(r => r.Messages.Any(m => m.Change.PhoneNumberId == "100000000000777"), "a message to the new number");
        Assert.Equal(HttpStatusCode.BadRequest, (await sim.Http.PostAsJsonAsync("/simulator/numbers", new { phoneNumberId = "abc", accessToken = "x" })).StatusCode);
    }

    [Fact]
    public async Task Pending_failures_are_listed_and_can_be_cleared()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        await Control.FailNextAsync(sim, new { code = 130429, count = 3 });
        await Control.FailNextAsync(sim, new { code = 131047 });

        var pending = JsonDocument.Parse(await sim.Http.GetStringAsync("/simulator/failures")).RootElement;
        Assert.Equal([(130429, 3, false), (131047, 1, true)], pending.EnumerateArray().Select(p =>
            (p.GetProperty("code").GetInt32(), p.GetProperty("remaining").GetInt32(), p.GetProperty("asynchronous").GetBoolean())));

        await sim.Http.DeleteAsync("/simulator/failures");
        Assert.Empty(JsonDocument.Parse(await sim.Http.GetStringAsync("/simulator/failures")).RootElement.EnumerateArray());
        await sim.SendTextAsync("15551230043");
    }

    [Fact]
    public async Task Traffic_settings_out_of_range_are_refused()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);

        Assert.Equal(HttpStatusCode.BadRequest, (await sim.Http.PostAsJsonAsync("/simulator/traffic/start", new { rate = 0 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await sim.Http.PostAsJsonAsync("/simulator/traffic/start", new { mode = "chaos" })).StatusCode);
        Assert.False(JsonDocument.Parse(await sim.Http.GetStringAsync("/simulator/traffic")).RootElement.GetProperty("running").GetBoolean());
    }
}
