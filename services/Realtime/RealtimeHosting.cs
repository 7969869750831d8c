using Inbox.Tenancy;
using Microsoft.AspNetCore.SignalR;

namespace Inbox.Realtime;

public static class RealtimeHosting
{
    /// <summary>The hub, its limits, and the per-instance state behind typing, presence and viewers.</summary>
    public static WebApplicationBuilder AddRealtimeHub(this WebApplicationBuilder builder)
    {
        var settings = RealtimeSettings.From(builder.Configuration);
        builder.Services.AddSingleton(settings);
        // Browsers load the inbox from the Api's origin and connect here cross-origin: only the configured
        // origins (Realtime:AllowedOrigins, comma-separated) may; the token travels in the request, not a cookie.
        var origins = (builder.Configuration["Realtime:AllowedOrigins"] ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        builder.Services.AddCors(o => o.AddDefaultPolicy(policy =>
            policy.WithOrigins(origins).AllowAnyHeader().WithMethods("GET", "POST").AllowCredentials()));
        builder.Services.AddSignalR(o =>
        {
            o.MaximumReceiveMessageSize = 32 * 1024;       // hub calls are small; anything bigger is refused
            o.MaximumParallelInvocationsPerClient = 1;     // one call at a time per client
            o.StatefulReconnectBufferSize = 256 * 1024;    // short blips replay from this buffer
            o.ClientTimeoutInterval = TimeSpan.FromSeconds(30);
            o.KeepAliveInterval = TimeSpan.FromSeconds(10);
            o.AddFilter<HubCallLimiter>();
            o.AddFilter<TenantHubFilter>();
        });
        // Pushes go through HubFanout (a queue per connection, never waiting on one); the lifetime manager tells it who
        // is connected and in which groups.
        builder.Services.AddSingleton<HubFanout>();
        builder.Services.AddSingleton<HubLifetimeManager<InboxHub>, FanoutLifetimeManager>();
        builder.Services.AddSingleton<RecentEvents>();
        builder.Services.AddSingleton<LocalConnections>();
        builder.Services.AddSingleton<PresenceBoard>();
        builder.Services.AddSingleton<RealtimeFanout>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RealtimeFanout>());
        return builder;
    }

    public static void MapRealtimeHub(this WebApplication app) =>
        app.MapHub<InboxHub>("/hubs/inbox", o =>
        {
            o.AllowStatefulReconnects = true;
            // A connection lives no longer than the access token it was opened with: SignalR closes it at the token's
            // exp (asking the client to reconnect, which it does with a fresh token). A stolen token is no lasting feed.
            o.CloseOnAuthenticationExpiration = true;
            // Bounded buffers both ways; past them, HubFanout queues a bounded backlog per connection, then drops it.
            o.ApplicationMaxBufferSize = 64 * 1024;
            o.TransportMaxBufferSize = 64 * 1024;
        });
}
