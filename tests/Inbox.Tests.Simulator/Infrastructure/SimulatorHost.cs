using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Inbox.CloudApiSimulator;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Inbox.Tests.Simulator.Infrastructure;

/// <summary>
/// The simulator on a real Kestrel port, with two business numbers (different WABAs), fast status timings and
/// retries, its webhooks going to <paramref name="webhookUrl"/>. Settings override the defaults below.
/// </summary>
public sealed class SimulatorHost : WebApplicationFactory<SimulatorOptions>
{
    public const string AppSecret = "test-app-secret";
    public const string NumberId = "100000000000001";
    public const string Token = "token-one";
    public const string WabaId = "200000000000001";
    public const string DisplayNumber = "15550001111";
    public const string OtherNumberId = "100000000000002";
    public const string OtherToken = "token-two";
    public const string OtherWabaId = "200000000000002";

    private readonly Dictionary<string, string?> _settings;
    private readonly TimeProvider? _clock;

    private SimulatorHost(Uri webhookUrl, Dictionary<string, string?>? settings, TimeProvider? clock)
    {
        _clock = clock;
        _settings = new Dictionary<string, string?>
        {
            ["WhatsApp:AppSecret"] = AppSecret,
            ["Simulator:WebhookUrl"] = webhookUrl.ToString(),
            ["Simulator:Numbers:0:PhoneNumberId"] = NumberId,
            ["Simulator:Numbers:0:AccessToken"] = Token,
            ["Simulator:Numbers:0:DisplayPhoneNumber"] = DisplayNumber,
            ["Simulator:Numbers:0:WabaId"] = WabaId,
            ["Simulator:Numbers:1:PhoneNumberId"] = OtherNumberId,
            ["Simulator:Numbers:1:AccessToken"] = OtherToken,
            ["Simulator:Numbers:1:DisplayPhoneNumber"] = "15550002222",
            ["Simulator:Numbers:1:WabaId"] = OtherWabaId,
            ["Simulator:Statuses:SentAfter"] = "00:00:00",
            ["Simulator:Statuses:DeliveredAfter"] = "00:00:00.050",
            ["Simulator:Statuses:ReadAfter"] = "00:00:00.100",
            ["Simulator:Statuses:FailedAfter"] = "00:00:00",
            ["Simulator:Webhooks:RetryDelay"] = "00:00:00.010",
            ["Simulator:Webhooks:MaxRetryDelay"] = "00:00:00.100",
            ["Simulator:Webhooks:MaxAttempts"] = "5",
        };
        foreach (var (key, value) in settings ?? []) _settings[key] = value;
        // A port chosen through Kestrel's own options: UseKestrel(0) sets the address after the host is built,
        // racing the entry point's app.Run(), which a host as quick to start as the simulator sometimes wins.
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
    }

    public Uri BaseAddress { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public static SimulatorHost Start(Uri webhookUrl, Dictionary<string, string?>? settings = null, TimeProvider? clock = null)
    {
        var host = new SimulatorHost(webhookUrl, settings, clock);
        host.StartServer();
        var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host.BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        host.Http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        return host;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        if (_clock is not null) builder.ConfigureTestServices(services => services.AddSingleton(_clock));
    }

    /// <summary>A Graph call with an optional bearer token and JSON body.</summary>
    public Task<HttpResponseMessage> GraphAsync(HttpMethod method, string path, string? token, string? json = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        return Http.SendAsync(request);
    }

    /// <summary>POST /v24.0/{number}/messages.</summary>
    public Task<HttpResponseMessage> SendAsync(string json, string token = Token, string number = NumberId) =>
        GraphAsync(HttpMethod.Post, $"/v24.0/{number}/messages", token, json);

    /// <summary>A text send that must be accepted; returns its wamid.</summary>
    public async Task<string> SendTextAsync(string to, string body = "Hello from Inbox", string? opaque = null)
    {
        var json = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["messaging_product"] = "whatsapp", ["to"] = to, ["type"] = "text", ["text"] = new { body },
            ["biz_opaque_callback_data"] = opaque,
        });
        var response = await SendAsync(json);
        return await AcceptedWamidAsync(response);
    }

    public static async Task<string> AcceptedWamidAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"send refused: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("messages")[0].GetProperty("id").GetString()!;
    }

    /// <summary>A customer message through the control API (opens that customer's window); returns its wamid.</summary>
    public async Task<string> CustomerWritesAsync(string from, string type = "text", string? text = null, string? name = null, string number = NumberId)
    {
        var response = await Http.PostAsJsonAsync("/simulator/inbound", new { phoneNumberId = number, from, name, type, text });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    public async Task<JsonElement> ReportAsync() =>
        JsonDocument.Parse(await Http.GetStringAsync("/simulator/report")).RootElement;

    /// <summary>Polls the report until <paramref name="done"/> holds.</summary>
    public async Task<JsonElement> WaitForReportAsync(Func<JsonElement, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + Waiting.Timeout;
        while (true)
        {
            var report = await ReportAsync();
            if (done(report)) return report;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Waited for {what}; report: {report}");
            await Task.Delay(20);
        }
    }

    /// <summary>The report entry of one inbound message or one status.</summary>
    public static JsonElement? Item(JsonElement report, string list, string id, string? status = null) =>
        report.GetProperty(list).EnumerateArray()
            .Where(i => i.GetProperty("id").GetString() == id && (status is null || i.GetProperty("status").GetString() == status))
            .Select(i => (JsonElement?)i).FirstOrDefault();

    public static string NewCustomer() =>
        "1999" + Random.Shared.Next(1_000_000, 9_999_999).ToString(CultureInfo.InvariantCulture);

    protected override void Dispose(bool disposing)
    {
        if (disposing) Http?.Dispose();
        base.Dispose(disposing);
    }
}

public static class Waiting
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
}

/// <summary>The real clock, moved forward on demand (timers keep real time): for windows and URL expiry.</summary>
public sealed class ShiftableClock : TimeProvider
{
    private long _offsetTicks;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
}
