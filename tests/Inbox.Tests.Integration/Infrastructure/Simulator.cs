using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Inbox.CloudApiSimulator;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Inbox.Tests.Integration.Infrastructure;

/// <summary>
/// The project's WhatsApp Cloud API simulator (tools/CloudApiSimulator), in-process on a real port: Workers send to
/// it, and it posts signed status and customer webhooks to WebhookIngest. The only stand-in for Meta in the tests.
/// </summary>
public sealed class Simulator : WebApplicationFactory<SimulatorOptions>
{
    private readonly Uri _webhookUrl;

    public Simulator(Uri webhookUrl)
    {
        _webhookUrl = webhookUrl;
        // A port chosen through Kestrel's own options (the simulator starts fast enough to race UseKestrel(0)).
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
    }

    public Uri BaseAddress { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public Simulator Start()
    {
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        return this;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("WhatsApp:AppSecret", TestSettings.AppSecret);
        builder.UseSetting("Simulator:WebhookUrl", new Uri(_webhookUrl, "/webhooks/whatsapp").ToString());
        builder.UseSetting("Simulator:Statuses:SentAfter", "00:00:00");
        builder.UseSetting("Simulator:Statuses:DeliveredAfter", "00:00:00.100");
        builder.UseSetting("Simulator:Statuses:ReadAfter", "00:00:00.200");
        builder.UseSetting("Simulator:Statuses:FailedAfter", "00:00:00.050");
        builder.UseSetting("Simulator:Webhooks:RetryDelay", "00:00:00.050");
        builder.UseSetting("Simulator:Webhooks:MaxRetryDelay", "00:00:00.500");
    }

    /// <summary>Makes a test tenant's number known to the simulator, with the token its channel holds.</summary>
    public async Task AddNumberAsync(string phoneNumberId, string accessToken, string? displayPhoneNumber = null, string? wabaId = null) =>
        (await Http.PostAsJsonAsync("/simulator/numbers", new { phoneNumberId, accessToken, displayPhoneNumber, wabaId })).EnsureSuccessStatusCode();

    /// <summary>
    /// The same, at once and without a request (for bodies built in synchronous code): this token now owns the number,
    /// and no other token reaches it.
    /// </summary>
    public void Register(string phoneNumberId, string accessToken, string? wabaId = null, string? displayPhoneNumber = null,
        string? verifiedName = null) =>
        Services.GetRequiredService<NumberRegistry>().Add(new SimulatedNumber
        {
            PhoneNumberId = phoneNumberId, AccessToken = accessToken, WabaId = wabaId ?? "", DisplayPhoneNumber = displayPhoneNumber ?? "",
            VerifiedName = verifiedName ?? "",
        });

    /// <summary>A customer writes to a number through the simulator (a signed webhook to WebhookIngest, and the
    /// simulator's own window opens too); returns the wamid.</summary>
    public async Task<string> CustomerWritesAsync(string phoneNumberId, string from, string text, string name = "Customer")
    {
        var response = await Http.PostAsJsonAsync("/simulator/inbound", new { phoneNumberId, from, name, type = "text", text });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>
    /// Adds a template to an account or changes one (the simulator's control API): a change of status is sent as Meta's
    /// message_template_status_update webhook, and this returns once it was delivered. Returns the template node.
    /// </summary>
    public async Task<JsonElement> SetTemplateAsync(object template)
    {
        var response = await Http.PostAsJsonAsync("/simulator/templates?wait=true", template);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        var answer = JsonDocument.Parse(body).RootElement;
        if (answer.TryGetProperty("webhook", out var webhook) && webhook.ValueKind == JsonValueKind.Object)
            Assert.True(webhook.GetProperty("acknowledged").GetBoolean(), body);
        return answer.GetProperty("template").Clone();
    }

    /// <summary>The next <paramref name="count"/> template lists of this account fail with Meta's error <paramref name="code"/>.</summary>
    public async Task FailNextTemplateListsAsync(string wabaId, int code, int count = 1) =>
        (await Http.PostAsJsonAsync("/simulator/failures", new { wabaId, code, count, operation = "templates" })).EnsureSuccessStatusCode();

    /// <summary>The next <paramref name="count"/> sends from this number fail with Meta's error <paramref name="code"/>.</summary>
    public async Task FailNextSendsAsync(string phoneNumberId, int code, int count, bool? asynchronous = null) =>
        (await Http.PostAsJsonAsync("/simulator/failures", new { phoneNumberId, code, count, asynchronous })).EnsureSuccessStatusCode();

    /// <summary>The next <paramref name="count"/> sends from this number are answered only after <paramref name="delay"/> — and accepted.</summary>
    public async Task DelayNextSendsAsync(string phoneNumberId, TimeSpan delay, int count) =>
        (await Http.PostAsJsonAsync("/simulator/failures", new { phoneNumberId, code = 0, count, delay })).EnsureSuccessStatusCode();

    /// <summary>Failures still planned for this number (each send consumes one).</summary>
    public async Task<int> PendingFailuresAsync(string phoneNumberId)
    {
        var pending = JsonDocument.Parse(await Http.GetStringAsync("/simulator/failures")).RootElement;
        return pending.EnumerateArray().Where(p => p.GetProperty("phoneNumberId").GetString() == phoneNumberId)
            .Sum(p => p.GetProperty("remaining").GetInt32());
    }

    /// <summary>The sends the simulator accepted for one customer.</summary>
    public async Task<List<JsonElement>> SendsToAsync(string customer)
    {
        var report = JsonDocument.Parse(await Http.GetStringAsync("/simulator/report")).RootElement;
        return report.GetProperty("sends").EnumerateArray().Where(s => s.GetProperty("to").GetString()?.TrimStart('+') == customer).ToList();
    }

    /// <summary>The files a number uploaded (POST /{phone-number-id}/media), oldest first.</summary>
    public async Task<List<JsonElement>> UploadsOfAsync(string phoneNumberId)
    {
        var report = JsonDocument.Parse(await Http.GetStringAsync("/simulator/report")).RootElement;
        return report.GetProperty("uploads").EnumerateArray().Where(u => u.GetProperty("phoneNumberId").GetString() == phoneNumberId).ToList();
    }

    /// <summary>A media id's bytes as Meta serves them back: the look-up with the number's token, then its download URL.</summary>
    public async Task<byte[]> MediaBytesAsync(string accessToken, string mediaId)
    {
        using var lookup = new HttpRequestMessage(HttpMethod.Get, $"/v24.0/{mediaId}");
        lookup.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", accessToken);
        var media = JsonDocument.Parse(await (await Http.SendAsync(lookup)).EnsureSuccessStatusCode().Content.ReadAsStringAsync()).RootElement;
        using var download = new HttpRequestMessage(HttpMethod.Get, media.GetProperty("url").GetString());
        download.Headers.Authorization = lookup.Headers.Authorization;
        download.Headers.UserAgent.ParseAdd("Inbox.Tests/1.0");
        return await (await Http.SendAsync(download)).EnsureSuccessStatusCode().Content.ReadAsByteArrayAsync();
    }

    /// <summary>The next <paramref name="count"/> uploads (POST /{phone-number-id}/media) of this number fail with Meta's <paramref name="code"/>.</summary>
    public async Task FailNextUploadsAsync(string phoneNumberId, int code, int count) =>
        (await Http.PostAsJsonAsync("/simulator/failures", new { phoneNumberId, code, count, operation = "upload" })).EnsureSuccessStatusCode();

    /// <summary>
    /// The mark-as-reads a number sent, oldest first: <c>{ phoneNumberId, messageId, typingIndicator, at }</c>
    /// (typingIndicator: the customer was shown "typing…").
    /// </summary>
    public async Task<List<JsonElement>> ReadMarksOfAsync(string phoneNumberId)
    {
        var report = JsonDocument.Parse(await Http.GetStringAsync("/simulator/report")).RootElement;
        return report.GetProperty("readMarks").EnumerateArray().Where(r => r.GetProperty("phoneNumberId").GetString() == phoneNumberId).ToList();
    }

    public async Task<long> ReadMarksAsync() =>
        JsonDocument.Parse(await Http.GetStringAsync("/simulator/report?items=false")).RootElement
            .GetProperty("summary").GetProperty("readMarks").GetInt64();

    protected override void Dispose(bool disposing)
    {
        if (disposing) Http?.Dispose();
        base.Dispose(disposing);
    }
}
