using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Inbox.Tests.Integration.Infrastructure;

/// <summary>
/// One service of Inbox running in-process on a real Kestrel port (WebSockets and the bus need real sockets).
/// <typeparamref name="TMarker"/> is any type of the service's assembly: its entry point is what runs.
/// </summary>
public sealed class ServiceHost<TMarker> : WebApplicationFactory<TMarker> where TMarker : class
{
    private readonly Dictionary<string, string?> _settings;

    public ServiceHost(Dictionary<string, string?>? settings = null)
    {
        _settings = settings ?? [];
        // Listen on a free loopback port chosen at bind time (UseKestrel(0) races a fast-starting app).
        UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
    }

    public Uri BaseAddress { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public ServiceHost<TMarker> Start()
    {
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        return this;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("Logging:LogLevel:Default", "Warning"); // keep test output readable
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
    }

    /// <summary>
    /// Stops the service. One whose bus is still starting (a test that is done with it at once) is given up to 30 s to
    /// finish first: MassTransit ignores a stop until then, and the bus would run on after its host is gone, consuming
    /// with a disposed container — for Realtime, maybe as its deployment's active stream consumer, swallowing every event.
    /// </summary>
    public override async ValueTask DisposeAsync()
    {
        if (BaseAddress is not null && !_stopping && Services.GetService<IBusControl>() is { } bus)
        {
            _stopping = true;
            await bus.WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(30));
        }
        await base.DisposeAsync();
    }

    private bool _stopping;

    protected override void Dispose(bool disposing)
    {
        if (disposing) Http?.Dispose();
        base.Dispose(disposing);
    }
}
