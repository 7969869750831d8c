using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Inbox.CloudApiSimulator;
using Inbox.Tests.Simulator.Infrastructure;
using Inbox.WhatsApp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Polly.Timeout;
using Refit;

namespace Inbox.Tests.Simulator;

/// <summary>
/// Inbox's Graph client (<see cref="IGraphApi"/>, registered as the services register it, with its resilience
/// pipeline) against the simulator: every call it makes, and how it retries by Meta's codes.
/// </summary>
public sealed class GraphClientTests
{
    private static readonly byte[] Picture = SampleImages.Png(40, 160, 90);

    [Fact]
    public async Task An_upload_is_looked_up_by_its_id_downloaded_and_sent_as_an_image()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        await using var client = GraphClient.For(sim);

        using var file = new MemoryStream(Picture);
        var uploaded = await client.Graph.UploadMediaAsync(SimulatorHost.Token, SimulatorHost.NumberId,
            new StreamPart(file, "photo.png", "image/png"), "image/png", null, CancellationToken.None);
        var media = await client.Graph.GetMediaAsync(SimulatorHost.Token, uploaded.Id, CancellationToken.None);
        var bytes = await client.Downloader.DownloadAsync(SimulatorHost.Token, media.Url!, maxBytes: 1_000_000, CancellationToken.None);

        Assert.Equal(uploaded.Id, media.Id);
        Assert.Equal("image/png", media.MimeType);
        Assert.Equal(Picture.Length, media.FileSize);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Picture)), media.Sha256);
        Assert.Equal(Picture, bytes);
        var customer = SimulatorHost.NewCustomer();
        await sim.CustomerWritesAsync(customer);
        var sent = await client.Graph.SendMessageAsync(SimulatorHost.Token, SimulatorHost.NumberId,
            new OutboundMessage { To = customer, Type = "image", Image = new OutboundMedia(null, uploaded.Id, "Your photo") },
            null, CancellationToken.None);
        Assert.StartsWith("wamid.", sent.ToResult().Wamid);
    }

    [Fact]
    public async Task An_upload_answered_with_a_transient_code_is_retried_with_the_whole_file_and_each_attempt_is_heard()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        await using var client = GraphClient.For(sim);
        await Control.FailNextAsync(sim, new { code = 131000, count = 2, operation = "upload" });
        var attempts = new RecordedAttempts();

        using var file = new MemoryStream(Picture);
        var uploaded = await client.Graph.UploadMediaAsync(SimulatorHost.Token, SimulatorHost.NumberId,
            new StreamPart(file, "photo.png", "image/png"), "image/png", attempts, CancellationToken.None);

        Assert.Equal(3, attempts.Started); // a send's claim renews its lease before each
        var report = await sim.ReportAsync();
        var upload = Assert.Single(report.GetProperty("uploads").EnumerateArray());
        Assert.Equal(uploaded.Id, upload.GetProperty("id").GetString());
        Assert.Equal(Picture.Length, upload.GetProperty("size").GetInt64()); // the third attempt sent it from its start
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Picture)), upload.GetProperty("sha256").GetString());
        Assert.Equal("photo.png", upload.GetProperty("fileName").GetString());
        Assert.Equal(1, report.GetProperty("summary").GetProperty("uploads").GetInt32());

        var customer = SimulatorHost.NewCustomer();
        await sim.CustomerWritesAsync(customer);
        await client.Graph.SendMessageAsync(SimulatorHost.Token, SimulatorHost.NumberId,
            new OutboundMessage { To = customer, Type = "image", Image = new OutboundMedia(null, uploaded.Id) }, null, CancellationToken.None);
        var send = Assert.Single((await sim.ReportAsync()).GetProperty("sends").EnumerateArray());
        Assert.Equal(uploaded.Id, send.GetProperty("mediaId").GetString());
    }

    [Fact]
    public async Task An_upload_of_another_numbers_token_is_refused_with_Metas_code()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        await using var client = GraphClient.For(sim);

        using var file = new MemoryStream(Picture);
        var refused = await Assert.ThrowsAsync<GraphApiException>(() => client.Graph.UploadMediaAsync(SimulatorHost.OtherToken,
            SimulatorHost.NumberId, new StreamPart(file, "photo.png", "image/png"), "image/png", null, CancellationToken.None));

        Assert.Equal(100, refused.Code);
    }

    [Fact]
    public async Task A_media_file_too_large_for_the_cap_is_refused_while_streaming()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        await using var client = GraphClient.For(sim);
        using var file = new MemoryStream(Picture);
        var uploaded = await client.Graph.UploadMediaAsync(SimulatorHost.Token, SimulatorHost.NumberId,
            new StreamPart(file, "photo.png", "image/png"), "image/png", null, CancellationToken.None);
        var media = await client.Graph.GetMediaAsync(SimulatorHost.Token, uploaded.Id, CancellationToken.None);

        var tooLarge = await Assert.ThrowsAsync<GraphApiException>(() =>
            client.Downloader.DownloadAsync(SimulatorHost.Token, media.Url!, maxBytes: Picture.Length - 1, CancellationToken.None));
        Assert.Equal(131052, tooLarge.Code);
    }

    [Theory]
    [InlineData(130429)]
    [InlineData(131056)]
    [InlineData(131000)]
    public async Task A_send_answered_with_a_transient_code_is_retried_until_it_goes_through(int code)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        await using var client = GraphClient.For(sim);
        var customer = SimulatorHost.NewCustomer();
        await sim.CustomerWritesAsync(customer);
        await Control.FailNextAsync(sim, new { code, count = 2, asynchronous = false });
        var attempts = new RecordedAttempts();

        var sent = await client.Graph.SendMessageAsync(SimulatorHost.Token, SimulatorHost.NumberId, Text(customer), attempts, CancellationToken.None);

        Assert.StartsWith("wamid.", sent.ToResult().Wamid);
        Assert.Equal((3, 2), (attempts.Started, attempts.NotTaken)); // every attempt was announced; two were refused
        var summary = (await sim.ReportAsync()).GetProperty("summary").GetProperty("sends");
        Assert.Equal(2, summary.GetProperty("rejected").GetProperty(code.ToString(System.Globalization.CultureInfo.InvariantCulture)).GetInt32());
        Assert.Equal(1, summary.GetProperty("accepted").GetInt32());
    }

    [Fact]
    public async Task A_send_answered_with_a_permanent_code_is_tried_once()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        await using var client = GraphClient.For(sim);
        await Control.FailNextAsync(sim, new { code = 131026, count = 2, asynchronous = false });
        var attempts = new RecordedAttempts();

        var refused = await Assert.ThrowsAsync<GraphApiException>(() => client.Graph.SendMessageAsync(
            SimulatorHost.Token, SimulatorHost.NumberId, Text("15551239999"), attempts, CancellationToken.None));

        Assert.Equal(131026, refused.Code);
        Assert.Equal((1, 1), (attempts.Started, attempts.NotTaken));
        Assert.Equal(1, await PendingFailuresAsync(sim));
    }

    [Fact]
    public async Task When_retries_are_spent_the_last_transient_error_is_thrown()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        await using var client = GraphClient.For(sim);
        await Control.FailNextAsync(sim, new { code = 131016, count = 10 });

        var refused = await Assert.ThrowsAsync<GraphApiException>(() => client.Graph.SendMessageAsync(
            SimulatorHost.Token, SimulatorHost.NumberId, Text("15551239999"), null, CancellationToken.None));

        Assert.Equal(131016, refused.Code);
        Assert.Equal(10 - (1 + GraphClient.MaxRetries), await PendingFailuresAsync(sim));
    }

    [Fact]
    public async Task A_send_that_times_out_is_not_retried_and_Meta_may_still_have_taken_it()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        await using var client = GraphClient.For(sim);
        var customer = SimulatorHost.NewCustomer();
        await sim.CustomerWritesAsync(customer);
        // Two slow answers planned: a retry after the timeout would take the second.
        await Control.FailNextAsync(sim, new { code = 0, count = 2, delay = GraphClient.AttemptTimeout * 2 });
        var attempts = new RecordedAttempts();

        var timedOut = await Assert.ThrowsAsync<TimeoutRejectedException>(() => client.Graph.SendMessageAsync(
            SimulatorHost.Token, SimulatorHost.NumberId, Text(customer), attempts, CancellationToken.None));

        Assert.True(GraphFailures.OutcomeUnknown(timedOut));
        Assert.Equal((1, 0), (attempts.Started, attempts.NotTaken)); // still "in flight" as far as the claim knows
        Assert.Equal(1, await PendingFailuresAsync(sim));
        var report = await sim.WaitForReportAsync(r => r.GetProperty("summary").GetProperty("sends").GetProperty("accepted").GetInt32() == 1,
            "the slow send to be accepted after all");
        Assert.Single(report.GetProperty("sends").EnumerateArray());
    }

    [Theory]
    [InlineData(131056, 4)]
    [InlineData(130429, 2)]
    public async Task Retries_back_off_exponentially_and_by_4_to_the_n_after_131056(int code, int factor)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        await using var client = GraphClient.For(sim, new() { ["Outbound:RetryBaseDelay"] = "00:00:00.100" });
        var customer = SimulatorHost.NewCustomer();
        await sim.CustomerWritesAsync(customer);
        await Control.FailNextAsync(sim, new { code, count = 3, asynchronous = false });

        var watch = Stopwatch.StartNew();
        await client.Graph.SendMessageAsync(SimulatorHost.Token, SimulatorHost.NumberId, Text(customer), null, CancellationToken.None);

        var delays = client.Logs.RetryDelays();
        Assert.Equal(3, delays.Count);
        for (var n = 0; n < delays.Count; n++)
            Assert.InRange(delays[n].TotalMilliseconds, 100 * Math.Pow(factor, n) * 0.8, 100 * Math.Pow(factor, n) * 1.2); // ±20 % jitter
        Assert.True(watch.Elapsed >= delays.Aggregate(TimeSpan.Zero, (sum, d) => sum + d), "the client did wait");
    }

    [Fact]
    public async Task A_media_lookup_is_not_retried_by_the_client_its_consumers_redelivery_does_that()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        await using var client = GraphClient.For(sim);
        using var file = new MemoryStream(Picture);
        var uploaded = await client.Graph.UploadMediaAsync(SimulatorHost.Token, SimulatorHost.NumberId,
            new StreamPart(file, "photo.png", "image/png"), "image/png", null, CancellationToken.None);
        await Control.FailNextAsync(sim, new { code = 130429, count = 2, operation = "media" });

        var throttled = await Assert.ThrowsAsync<GraphApiException>(() =>
            client.Graph.GetMediaAsync(SimulatorHost.Token, uploaded.Id, CancellationToken.None));

        Assert.True(throttled.IsTransient);
        Assert.Equal(1, await PendingFailuresAsync(sim));
    }

    [Fact]
    public async Task Mark_as_read_shows_the_typing_indicator_only_when_asked()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        await using var client = GraphClient.For(sim);
        var first = await sim.CustomerWritesAsync("15551230003");
        var second = await sim.CustomerWritesAsync("15551230003");

        await client.Graph.MarkReadAsync(SimulatorHost.Token, SimulatorHost.NumberId, GraphReadMark.For(first), CancellationToken.None);
        await client.Graph.MarkReadAsync(SimulatorHost.Token, SimulatorHost.NumberId, GraphReadMark.For(second, showTyping: true), CancellationToken.None);

        var report = await sim.ReportAsync();
        var summary = report.GetProperty("summary");
        Assert.Equal(2, summary.GetProperty("readMarks").GetInt32());
        Assert.Equal(1, summary.GetProperty("typingIndicators").GetInt32());
        // Each one recorded, for tests to see which message of which number showed "typing…".
        Assert.Equal(new (string?, string?, bool)[] { (SimulatorHost.NumberId, first, false), (SimulatorHost.NumberId, second, true) },
            report.GetProperty("readMarks").EnumerateArray().Select(r => (r.GetProperty("phoneNumberId").GetString(),
                r.GetProperty("messageId").GetString(), r.GetProperty("typingIndicator").GetBoolean())).ToList());
    }

    [Fact]
    public async Task A_number_and_its_accounts_numbers_are_looked_up_with_its_token()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sim = SimulatorHost.Start(receiver.Url);
        await using var client = GraphClient.For(sim);

        var number = await client.Graph.GetPhoneNumberAsync(SimulatorHost.Token, SimulatorHost.NumberId, CancellationToken.None);
        var page = await client.Graph.GetPhoneNumbersAsync(SimulatorHost.Token, SimulatorHost.WabaId, after: null, CancellationToken.None);
        var stranger = await Assert.ThrowsAsync<GraphApiException>(() =>
            client.Graph.GetPhoneNumberAsync(SimulatorHost.OtherToken, SimulatorHost.NumberId, CancellationToken.None));

        Assert.Equal(SimulatorHost.NumberId, number.Id);
        Assert.Equal("+1 555-000-1111", number.DisplayPhoneNumber);
        Assert.Equal(SimulatorHost.NumberId, Assert.Single(page.Data!).Id);
        Assert.Null(page.Paging!.NextCursor(client.Options)); // one page: no next
        Assert.Equal(100, stranger.Code);
    }

    private static OutboundMessage Text(string to) => new() { To = to, Type = "text", Text = new OutboundText("Hello from the client") };

    private static async Task<int> PendingFailuresAsync(SimulatorHost sim) =>
        JsonDocument.Parse(await sim.Http.GetStringAsync("/simulator/failures")).RootElement.EnumerateArray()
            .Sum(p => p.GetProperty("remaining").GetInt32());

    private sealed class RecordedAttempts : ISendAttemptObserver
    {
        private int _started;
        private int _notTaken;

        public int Started => _started;
        public int NotTaken => _notTaken;

        public Task CallStartingAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _started);
            return Task.CompletedTask;
        }

        public Task NotTakenAsync()
        {
            Interlocked.Increment(ref _notTaken);
            return Task.CompletedTask;
        }
    }
}

/// <summary>The Graph client as <see cref="GraphApiServices.AddGraphApi"/> registers it, pointed at a simulator, with fast retries.</summary>
public sealed class GraphClient : IAsyncDisposable
{
    public const int MaxRetries = 3;
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(1);

    private readonly ServiceProvider _services;

    private GraphClient(ServiceProvider services, RecordingLogger logs)
    {
        _services = services;
        Logs = logs;
    }

    public IGraphApi Graph => _services.GetRequiredService<IGraphApi>();
    public GraphMediaDownloader Downloader => _services.GetRequiredService<GraphMediaDownloader>();
    public GraphApiOptions Options => _services.GetRequiredService<GraphApiOptions>();
    public RecordingLogger Logs { get; }

    public static GraphClient For(SimulatorHost sim, Dictionary<string, string?>? settings = null)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["WhatsApp:GraphBaseUrl"] = sim.BaseAddress.ToString().TrimEnd('/'),
            ["Outbound:MaxRetries"] = MaxRetries.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Outbound:RetryBaseDelay"] = "00:00:00.020",
            ["Outbound:AttemptTimeout"] = AttemptTimeout.ToString(),
        };
        foreach (var (key, value) in settings ?? []) configuration[key] = value;
        var logs = new RecordingLogger();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(logs));
        services.AddGraphApi(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build());
        return new GraphClient(services.BuildServiceProvider(), logs);
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}

/// <summary>Keeps what the Graph client logs, to read the retry delays it chose.</summary>
public sealed class RecordingLogger : ILoggerProvider, ILogger
{
    private readonly ConcurrentQueue<IReadOnlyList<KeyValuePair<string, object?>>> _entries = new();

    /// <summary>The delays of "retrying in {Delay}", in order.</summary>
    public List<TimeSpan> RetryDelays() => _entries
        .SelectMany(e => e.Where(p => p.Key == "Delay").Select(p => p.Value))
        .OfType<TimeSpan>().ToList();

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (state is IReadOnlyList<KeyValuePair<string, object?>> values) _entries.Enqueue(values);
    }

    public void Dispose()
    {
    }
}
