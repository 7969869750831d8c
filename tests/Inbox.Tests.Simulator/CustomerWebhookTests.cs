using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Inbox.CloudApiSimulator;
using Inbox.Tests.Simulator.Infrastructure;
using Inbox.WhatsApp;

namespace Inbox.Tests.Simulator;

/// <summary>Customer traffic as WebhookIngest receives it: documented shapes, Meta's bytes, batches, duplicates.</summary>
public sealed class CustomerWebhookTests
{
    [Fact]
    public async Task Generated_messages_of_every_type_have_the_documented_shape()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url, new() { ["Simulator:Seed"] = "7" });

        await StartTrafficAsync(sim, new
        {
            rate = 500, customers = 3, maxMessages = 60, numbers = new[] { SimulatorHost.NumberId },
            mix = new Dictionary<string, double> { ["text"] = 1, ["image"] = 1, ["reaction"] = 1, ["location"] = 1, ["interactive"] = 1 },
        });
        await receiver.WaitForAsync(r => r.Messages.Count == 60, "60 customer messages");

        foreach (var (message, post, change) in receiver.Messages)
        {
            Assert.True(post.IsSignedWith(SimulatorHost.AppSecret));
            Assert.Equal(("messages", SimulatorHost.NumberId, SimulatorHost.WabaId), (change.Field, change.PhoneNumberId, change.WabaId));
            var parsed = InboundMessage.Parse(message, change.Value);
            Assert.StartsWith("wamid.", parsed.Wamid);
            Assert.StartsWith(InboundTraffic.CustomerPrefix, parsed.WaId);
            Assert.StartsWith("US.", parsed.Bsuid);
            Assert.False(string.IsNullOrEmpty(parsed.ContactName));
            Assert.Equal(JsonValueKind.String, message.GetProperty("timestamp").ValueKind);
            var content = message.GetProperty(parsed.Type);
            switch (parsed.Type)
            {
                case "text":
                    Assert.False(string.IsNullOrEmpty(parsed.Text));
                    break;
                case "image":
                    Assert.Matches("^[0-9]{15,16}$", content.GetProperty("id").GetString());
                    Assert.Equal("image/png", content.GetProperty("mime_type").GetString());
                    Assert.Equal(32, Convert.FromBase64String(content.GetProperty("sha256").GetString()!).Length);
                    break;
                case "reaction":
                    Assert.StartsWith("wamid.", content.GetProperty("message_id").GetString());
                    Assert.False(string.IsNullOrEmpty(content.GetProperty("emoji").GetString()));
                    break;
                case "location":
                    Assert.Equal(JsonValueKind.Number, content.GetProperty("latitude").ValueKind);
                    Assert.Equal(JsonValueKind.Number, content.GetProperty("longitude").ValueKind);
                    break;
                case "interactive":
                    Assert.Equal("button_reply", content.GetProperty("type").GetString());
                    Assert.False(string.IsNullOrEmpty(content.GetProperty("button_reply").GetProperty("id").GetString()));
                    Assert.False(string.IsNullOrEmpty(content.GetProperty("button_reply").GetProperty("title").GetString()));
                    Assert.StartsWith("wamid.", message.GetProperty("context").GetProperty("id").GetString());
                    Assert.Equal(SimulatorHost.DisplayNumber, message.GetProperty("context").GetProperty("from").GetString());
                    break;
                default:
                    Assert.Fail($"unexpected type {parsed.Type}");
                    break;
            }
            var contact = Assert.Single(change.Value.GetProperty("contacts").EnumerateArray());
            Assert.Equal(parsed.WaId, contact.GetProperty("wa_id").GetString());
        }
        Assert.Equal(["image", "interactive", "location", "reaction", "text"],
            receiver.Messages.Select(m => m.Message.GetProperty("type").GetString()).Distinct().Order());
        Assert.Equal(60, receiver.Messages.Select(m => m.Message.GetProperty("id").GetString()).Distinct().Count());
    }

    [Fact]
    public async Task Payloads_are_compact_ascii_with_lowercase_unicode_escapes_and_escaped_slashes_like_Metas()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);

        await sim.CustomerWritesAsync("15551230020", text: "café 👍 https://x.test/a", name: "Zoë");
        await receiver.WaitForAsync(r => r.Received.Count == 1, "the message");

        var post = receiver.Received[0];
        var raw = Encoding.ASCII.GetString(post.Body);
        Assert.All(post.Body, b => Assert.True(b < 0x80));
        Assert.Contains(@"caf\u00e9 \ud83d\udc4d https:\/\/x.test\/a", raw);
        Assert.Contains(@"""name"":""Zo\u00eb""", raw);
        Assert.DoesNotContain("\n", raw); // compact: no line breaks, no space after ':' or ','
        Assert.DoesNotContain("\": ", raw);
        Assert.DoesNotContain(", \"", raw);
        var (message, _, change) = receiver.Messages[0];
        Assert.Equal("café 👍 https://x.test/a", InboundMessage.Parse(message, change.Value).Text);

        // The signature covers these bytes; System.Text.Json's re-serialization of the same document differs.
        Assert.True(post.IsSignedWith(SimulatorHost.AppSecret));
        var reserialized = JsonSerializer.SerializeToUtf8Bytes(post.Json);
        Assert.False(WebhookSignature.IsValid(reserialized, post.Signature, [Encoding.UTF8.GetBytes(SimulatorHost.AppSecret)]));
    }

    [Fact]
    public async Task The_demo_plays_its_scripted_conversation_in_order()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url, new() { ["Simulator:Webhooks:Concurrency"] = "1" });

        await StartTrafficAsync(sim, new { mode = "demo", rate = 200, maxMessages = DemoScript.Lines.Count, numbers = new[] { SimulatorHost.NumberId } });
        await receiver.WaitForAsync(r => r.Messages.Count == DemoScript.Lines.Count, "the whole script");

        var messages = receiver.Messages.Select(m => m.Message).ToList();
        for (var i = 0; i < DemoScript.Lines.Count; i++)
        {
            var (customer, type, text) = DemoScript.Lines[i];
            Assert.Equal(DemoScript.Customers[customer].WaId, messages[i].GetProperty("from").GetString());
            Assert.Equal(type, messages[i].GetProperty("type").GetString());
            if (type == "text") Assert.Equal(text, messages[i].GetProperty("text").GetProperty("body").GetString());
        }
        var names = receiver.Messages.SelectMany(m => m.Change.Value.GetProperty("contacts").EnumerateArray())
            .Select(c => c.GetProperty("profile").GetProperty("name").GetString()).Distinct();
        Assert.Equal(DemoScript.Customers.Select(c => c.Name).Order(), names.Order());
    }

    [Fact]
    public async Task Batches_carry_updates_of_several_numbers_and_wabas_in_one_signed_post()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url, new()
        {
            ["Simulator:Webhooks:BatchSize"] = "100",
            ["Simulator:Webhooks:BatchWindow"] = "00:00:01",
        });

        await StartTrafficAsync(sim, new { rate = 1000, maxMessages = 6, mix = new Dictionary<string, double> { ["text"] = 1 } });
        await receiver.WaitForAsync(r => r.Messages.Count == 6, "six messages");

        Assert.All(receiver.Received, p => Assert.True(p.IsSignedWith(SimulatorHost.AppSecret)));
        var batch = receiver.Received.MaxBy(p => p.Changes.Sum(c => c.Messages.Count()))!;
        Assert.True(batch.Changes.Sum(c => c.Messages.Count()) > 1, "no POST carried more than one message");
        Assert.True(receiver.Received.Count < 6);
        var numbers = receiver.Messages.Select(m => (m.Change.PhoneNumberId, m.Change.WabaId)).Distinct().Order().ToList();
        Assert.Equal([(SimulatorHost.NumberId, SimulatorHost.WabaId), (SimulatorHost.OtherNumberId, SimulatorHost.OtherWabaId)], numbers);
        Assert.Contains(receiver.Received, p => p.Json.GetProperty("entry").GetArrayLength() == 2);
    }

    [Fact]
    public async Task Duplicated_deliveries_repeat_the_same_bytes_and_signature()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url, new() { ["Simulator:Webhooks:DuplicateRatio"] = "1" });

        var wamid = await sim.CustomerWritesAsync("15551230021");
        await receiver.WaitForAsync(r => r.Received.Count == 2, "the message and its duplicate");

        Assert.Equal(receiver.Received[0].Body, receiver.Received[1].Body);
        Assert.Equal(receiver.Received[0].Signature, receiver.Received[1].Signature);
        var report = await sim.WaitForReportAsync(r => SimulatorHost.Item(r, "inbound", wamid)?.GetProperty("deliveries").GetInt32() == 2, "two deliveries");
        Assert.True(SimulatorHost.Item(report, "inbound", wamid)!.Value.GetProperty("acknowledged").GetBoolean());
    }

    private static async Task StartTrafficAsync(SimulatorHost sim, object settings)
    {
        var response = await sim.Http.PostAsJsonAsync("/simulator/traffic/start", settings);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}
