using System.Diagnostics;
using System.Net;
using System.Text;
using Inbox.Tests.Integration.Infrastructure;
using Inbox.WebhookIngest;
using Inbox.WhatsApp;

namespace Inbox.Tests.Integration;

/// <summary>
/// WebhookIngest against senders that cannot sign: an address that keeps failing the signature check is answered
/// 429 (valid signatures from it still pass), and a request that has not proven anything never makes the
/// service wait for, or hold, a body it promised.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class WebhookAbuseTests(InboxStack stack)
{
    [Fact]
    public async Task An_address_that_keeps_failing_the_signature_gets_429_while_its_valid_webhooks_and_other_addresses_pass()
    {
        await using var ingest = new ServiceHost<WebhookIngestor>(new()
        {
            ["RateLimits:WebhookFailuresPerIp:PermitLimit"] = "3", ["RateLimits:WebhookFailuresPerIp:Window"] = "00:00:03",
            // A fresh host's first transactions can wait past the 2 s admission limit on a busy machine; this test is
            // about the failure limit, not admission.
            ["Ingest:QueueTimeout"] = "00:00:30",
        }).Start();
        var tenant = await stack.CreateTenantAsync();
        using var sender = LoopbackClient.From(LoopbackClient.NewAddress(), ingest.BaseAddress);
        using var other = LoopbackClient.From(LoopbackClient.NewAddress(), ingest.BaseAddress);
        HttpRequestMessage Valid(out string wamid)
        {
            wamid = Webhooks.NewWamid();
            return Webhooks.Signed(Webhooks.Envelope([Webhooks.TextChange(tenant.PhoneNumberId, new TextItem("4917200000001", "Ana", wamid, "hi"))]));
        }
        var forged = Webhooks.Envelope([Webhooks.TextChange(tenant.PhoneNumberId, new TextItem("4917200000002", "Mallory", Webhooks.NewWamid(), "x"))]);

        // Only failures count: valid traffic, however much, spends nothing.
        for (var i = 0; i < 10; i++) Assert.Equal(HttpStatusCode.OK, (await sender.SendAsync(Valid(out _))).StatusCode);
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await sender.SendAsync(Webhooks.Signed(forged, "not-the-app-secret"))).StatusCode);

        var wait = await RateLimitTests.AssertRateLimitedAsync(await sender.SendAsync(Webhooks.Signed(forged, "not-the-app-secret")));
        await RateLimitTests.AssertRateLimitedAsync(await sender.SendAsync(Webhooks.Request(Encoding.UTF8.GetBytes(forged), null)));
        // Decided: a blocked address is still checked against the deployment's app secret, so Meta's webhooks from an
        // address it shares with a failing sender keep flowing.
        Assert.Equal(HttpStatusCode.OK, (await sender.SendAsync(Valid(out var wamid))).StatusCode);
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id, "select count(*) from messages where wamid = $1", wamid));
        // Another address still gets its own answer.
        Assert.Equal(HttpStatusCode.Unauthorized, (await other.SendAsync(Webhooks.Signed(forged, "not-the-app-secret"))).StatusCode);

        await Task.Delay(wait + TimeSpan.FromMilliseconds(200));
        Assert.Equal(HttpStatusCode.Unauthorized, (await sender.SendAsync(Webhooks.Signed(forged, "not-the-app-secret"))).StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("sha256=00")]
    public async Task A_request_without_a_well_formed_signature_is_refused_before_its_body_arrives(string? signature)
    {
        await using var connection = await LoopbackClient.ConnectAsync(LoopbackClient.NewAddress(), stack.Ingest.BaseAddress);
        var head = "POST /webhooks/whatsapp HTTP/1.1\r\nHost: ingest\r\nContent-Type: application/json\r\n"
                   + (signature is null ? "" : $"{WebhookSignature.HeaderName}: {signature}\r\n")
                   + "Content-Length: 3000000\r\n\r\n{\"object\":";
        await connection.WriteAsync(Encoding.ASCII.GetBytes(head));

        // Nothing more is sent: the answer must not wait for the promised body.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        var answer = await ReadStatusLineAsync(connection, timeout.Token);
        Assert.Equal("HTTP/1.1 401", answer[..12]);
    }

    [Fact]
    public async Task Senders_that_promise_3_MB_and_send_little_make_the_service_hold_little()
    {
        // The services run in this process: what they allocate for 50 such requests shows in its allocation count
        // (each buffer used to be the promised 3 MB at once; now at most 64 KB until more arrives).
        var source = LoopbackClient.NewAddress();
        var head = Encoding.ASCII.GetBytes($"POST /webhooks/whatsapp HTTP/1.1\r\nHost: ingest\r\n{WebhookSignature.HeaderName}: sha256={new string('0', 64)}\r\n"
                                           + "Content-Length: 3000000\r\n\r\n" + new string(' ', 1024));
        var connections = new List<Stream>();
        try
        {
            var before = GC.GetTotalAllocatedBytes(precise: true);
            for (var i = 0; i < 50; i++)
            {
                var connection = await LoopbackClient.ConnectAsync(source, stack.Ingest.BaseAddress);
                connections.Add(connection);
                await connection.WriteAsync(head);
            }
            await Task.Delay(500);
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            Assert.True(allocated < 40 * 1024 * 1024, $"{allocated / 1024 / 1024} MB allocated for 50 requests that sent 1 KB each");
        }
        finally
        {
            foreach (var connection in connections) await connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_body_that_trickles_in_slower_than_the_minimum_rate_is_dropped()
    {
        await using var connection = await LoopbackClient.ConnectAsync(LoopbackClient.NewAddress(), stack.Ingest.BaseAddress);
        var signature = "sha256=" + new string('0', 64);
        await connection.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /webhooks/whatsapp HTTP/1.1\r\nHost: ingest\r\n{WebhookSignature.HeaderName}: {signature}\r\nContent-Length: 3000000\r\n\r\n"));

        // 1 KB a second: above Kestrel's default minimum (240 B/s), far below WebhookIngest's (64 KB/s after 5 s).
        var clock = Stopwatch.StartNew();
        using var reading = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var answer = ReadStatusLineAsync(connection, reading.Token);
        try
        {
            while (!answer.IsCompleted && clock.Elapsed < TimeSpan.FromSeconds(15))
            {
                await connection.WriteAsync(new byte[1024]);
                await Task.WhenAny(answer, Task.Delay(1000));
            }
        }
        catch (IOException)
        {
            // the server closed the connection
        }
        var elapsed = clock.Elapsed;
        var status = await answer.ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : "");
        Assert.True(elapsed < TimeSpan.FromSeconds(12), $"Still reading after {elapsed}");
        Assert.True(status is "" || status.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), $"Answer: {status}");
    }

    /// <summary>The first line of the response; empty when the connection closes first.</summary>
    private static async Task<string> ReadStatusLineAsync(Stream connection, CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (await connection.ReadAsync(one, cancellationToken) == 1 && one[0] != '\n') line.Append((char)one[0]);
        return line.ToString().TrimEnd('\r');
    }
}
