using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Inbox.Contracts;
using Inbox.Tests.Integration.Infrastructure;

namespace Inbox.Tests.Integration;

/// <summary>
/// Metrics at /metrics and one trace across services: the services run in this process, so an ActivityListener here
/// sees every span they start, as an OpenTelemetry exporter would.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class TelemetryTests(InboxStack stack)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Metrics_count_each_webhook_by_its_outcome()
    {
        var tenant = await stack.CreateTenantAsync();
        var routedBefore = await WebhooksCountedAsync("routed");
        var refusedBefore = await WebhooksCountedAsync("signature_invalid");

        var item = new TextItem("4915700000001", "Mia", Webhooks.NewWamid(), "counted");
        var body = Webhooks.Envelope([Webhooks.TextChange(tenant.PhoneNumberId, item)]);
        Assert.Equal(HttpStatusCode.OK, (await stack.Ingest.Http.SendAsync(Webhooks.Signed(body))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await stack.Ingest.Http.SendAsync(Webhooks.Signed(body, "not-the-app-secret"))).StatusCode);

        // The scrape answer is cached for a moment; other collections may ingest meanwhile, hence "at least".
        await Eventually(async () => await WebhooksCountedAsync("routed") >= routedBefore + 1, "the stored webhook");
        await Eventually(async () => await WebhooksCountedAsync("signature_invalid") >= refusedBefore + 1, "the refused webhook");
        var metrics = await stack.Ingest.Http.GetStringAsync("/metrics");
        Assert.Contains("inbox_webhook_ingest_duration_seconds_bucket{", metrics, StringComparison.Ordinal);
        Assert.Contains("inbox_outbox_published_total", metrics, StringComparison.Ordinal);
        Assert.Contains("inbox_outbox_lag_seconds_bucket{", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_webhooks_trace_goes_through_the_database_and_the_bus_to_the_realtime_push()
    {
        var tenant = await stack.CreateTenantAsync();
        await using var agent = await stack.ConnectAgentAsync(tenant);
        using var spans = new SpanRecorder();

        ActivityTraceId traceId;
        using (var root = StartRoot("webhook from Meta"))
        {
            traceId = root.TraceId;
            var item = new TextItem("4915700000002", "Noah", Webhooks.NewWamid(), "traced");
            var body = Webhooks.Envelope([Webhooks.TextChange(tenant.PhoneNumberId, item)]);
            Assert.Equal(HttpStatusCode.OK, (await stack.Ingest.Http.SendAsync(Webhooks.Signed(body))).StatusCode);
        }
        await agent.WaitForAsync(HubEvents.MessageNew, 1, Wait);

        // Spans are seen when they end, and the relay's ends only after the broker's confirmation: in any order.
        await Eventually(() => Task.FromResult(spans.Any(traceId, "Inbox.Realtime", "hub push")), "Realtime's push");
        await Eventually(() => Task.FromResult(spans.Any(traceId, "Microsoft.AspNetCore")), "the ingest request");
        await Eventually(() => Task.FromResult(spans.Any(traceId, "Inbox.WebhookIngest", "ingest commit")), "the group commit");
        await Eventually(() => Task.FromResult(spans.Any(traceId, "Npgsql")), "the ingest transaction's statements");
        await Eventually(() => Task.FromResult(spans.Any(traceId, "Inbox.Outbox", "outbox publish")), "the relay's publish");
        await Eventually(() => Task.FromResult(spans.Any(traceId, "MassTransit")), "the bus's send and consume");
    }

    [Fact]
    public async Task An_agents_send_is_traced_through_Workers_to_the_Graph_API_call()
    {
        var tenant = await stack.CreateTenantAsync();
        var agent = await stack.LoginAgentAsync(tenant);
        var customer = "4915" + Random.Shared.NextInt64(100_000_000, 999_999_999);
        await stack.Simulator.CustomerWritesAsync(tenant.PhoneNumberId, customer, "Hello");
        var conversation = Guid.Empty;
        await Eventually(async () =>
        {
            var items = (await agent.GetJsonAsync("/api/conversations")).GetProperty("items");
            if (items.GetArrayLength() > 0) conversation = items[0].GetProperty("id").GetGuid();
            return conversation != Guid.Empty;
        }, "the customer's conversation");
        using var spans = new SpanRecorder();

        ActivityTraceId traceId;
        using (var root = StartRoot("agent sends"))
        {
            traceId = root.TraceId;
            await agent.SendMessageAsync(conversation, new { type = "text", text = "Traced reply" });
        }

        var graph = stack.Simulator.BaseAddress.Port;
        await Eventually(() => Task.FromResult(spans.Any(traceId, "System.Net.Http",
            span => span.GetTagItem("server.port") is int port && port == graph)), "Workers' call to the Graph API");
    }

    /// <summary>A sampled root span, current while the test's own HTTP call goes out (HttpClient sends it as traceparent).</summary>
    private static Activity StartRoot(string name)
    {
        var root = new Activity(name).SetIdFormat(ActivityIdFormat.W3C);
        root.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        return root.Start();
    }

    private async Task<double> WebhooksCountedAsync(string outcome)
    {
        var text = await stack.Ingest.Http.GetStringAsync("/metrics");
        return text.Split('\n')
            .Where(line => line.StartsWith("inbox_webhooks_received_total{", StringComparison.Ordinal)
                           && line.Contains($"outcome=\"{outcome}\"", StringComparison.Ordinal))
            .Sum(line => double.Parse(line[(line.IndexOf('}', StringComparison.Ordinal) + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture));
    }

    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"Not seen in time: {what}.");
            await Task.Delay(100);
        }
    }

    /// <summary>Samples and keeps every finished span of the sources on the webhook and send paths.</summary>
    private sealed class SpanRecorder : IDisposable
    {
        private static readonly string[] Sources = ["Microsoft.AspNetCore", "System.Net.Http", "Npgsql", "MassTransit"];
        private readonly ConcurrentQueue<Activity> _finished = new();
        private readonly ActivityListener _listener;

        public SpanRecorder()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name.StartsWith("Inbox.", StringComparison.Ordinal) || Sources.Contains(source.Name),
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = _finished.Enqueue,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public bool Any(ActivityTraceId traceId, string source, string? name = null) =>
            Any(traceId, source, span => name is null || span.OperationName == name);

        public bool Any(ActivityTraceId traceId, string source, Func<Activity, bool> matches) =>
            _finished.Any(span => span.TraceId == traceId && span.Source.Name == source && matches(span));

        public void Dispose() => _listener.Dispose();
    }
}
