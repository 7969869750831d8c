using System.Collections.Concurrent;
using System.Text.Json;
using Inbox.WhatsApp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Inbox.Tests.Simulator.Infrastructure;

/// <summary>One POST the simulator made: the exact bytes, its headers, and what we answered.</summary>
public sealed record ReceivedWebhook(byte[] Body, string? Signature, string? UserAgent, int Answer)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public IReadOnlyList<WebhookChange> Changes => WebhookEnvelope.Changes(Json).ToList();

    public bool IsSignedWith(string secret) =>
        WebhookSignature.IsValid(Body, Signature, [System.Text.Encoding.UTF8.GetBytes(secret)]);
}

/// <summary>
/// Stands in for WebhookIngest: a real HTTP endpoint that records every POST and answers with the status code
/// <c>answer(n)</c> gives for the n-th POST (0-based); 200 by default.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private readonly Func<int, int> _answer;
    private WebApplication _app = null!;
    private int _count;

    private WebhookReceiver(Func<int, int> answer) => _answer = answer;

    public Uri Url { get; private set; } = null!;

    public IReadOnlyList<ReceivedWebhook> Received => _received.ToList();

    public static async Task<WebhookReceiver> StartAsync(Func<int, int>? answer = null)
    {
        var receiver = new WebhookReceiver(answer ?? (_ => StatusCodes.Status200OK));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPost("/webhooks/whatsapp", async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var status = receiver._answer(Interlocked.Increment(ref receiver._count) - 1);
            receiver._received.Enqueue(new ReceivedWebhook(body.ToArray(),
                context.Request.Headers[WebhookSignature.HeaderName].ToString(),
                context.Request.Headers.UserAgent.ToString(), status));
            context.Response.StatusCode = status;
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = new Uri(new Uri(address), "/webhooks/whatsapp");
        receiver._app = app;
        return receiver;
    }

    /// <summary>Every statuses[] item received so far, with the POST it came in.</summary>
    public IReadOnlyList<(JsonElement Status, ReceivedWebhook Post, WebhookChange Change)> Statuses =>
        Received.SelectMany(p => p.Changes.SelectMany(c => c.Statuses.Select(s => (s, p, c)))).ToList();

    /// <summary>Every messages[] item received so far, with its change (for contacts and metadata).</summary>
    public IReadOnlyList<(JsonElement Message, ReceivedWebhook Post, WebhookChange Change)> Messages =>
        Received.SelectMany(p => p.Changes.SelectMany(c => c.Messages.Select(m => (m, p, c)))).ToList();

    public IReadOnlyList<string> StatusesOf(string wamid) =>
        Statuses.Where(s => s.Status.GetProperty("id").GetString() == wamid)
            .Select(s => s.Status.GetProperty("status").GetString()!).ToList();

    public JsonElement StatusOf(string wamid, string status) =>
        Statuses.First(s => s.Status.GetProperty("id").GetString() == wamid && s.Status.GetProperty("status").GetString() == status).Status;

    public async Task WaitForAsync(Func<WebhookReceiver, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + Waiting.Timeout;
        while (!done(this))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Waited for {what}; received {_received.Count} POSTs: " +
                    string.Join("\n", Received.Select(r => System.Text.Encoding.ASCII.GetString(r.Body))));
            await Task.Delay(20);
        }
    }

    public Task WaitForStatusesAsync(string wamid, params string[] statuses) =>
        WaitForAsync(r => statuses.All(s => r.StatusesOf(wamid).Contains(s)), $"statuses {string.Join(", ", statuses)} of {wamid}");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
