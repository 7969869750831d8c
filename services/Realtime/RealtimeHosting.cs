using Inbox.Tenancy;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Inbox.Realtime;

public static class RealtimeHosting
{
    /// <summary>The hub and its limits, on the Redis backplane, with typing, presence and viewers kept in Redis.</summary>
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
        builder.Services.AddSingleton<RealtimeRedis>();
        builder.Services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", HealthStatus.Degraded);
        builder.Services.AddSignalR(o =>
        {
            o.MaximumReceiveMessageSize = 32 * 1024;       // hub calls are small; anything bigger is refused
            o.MaximumParallelInvocationsPerClient = 1;     // one call at a time per client
            o.StatefulReconnectBufferSize = 256 * 1024;    // short blips replay from this buffer
            o.ClientTimeoutInterval = TimeSpan.FromSeconds(30);
            o.KeepAliveInterval = TimeSpan.FromSeconds(10);
            o.AddFilter<HubCallLimiter>();
            o.AddFilter<TenantHubFilter>();
        }).AddStackExchangeRedis();
        // The backplane's connection is this instance's one Redis connection.
        builder.Services.AddOptions<RedisOptions>().Configure<RealtimeRedis>((o, redis) => o.ConnectionFactory = _ => Task.FromResult(redis.Connection));
        // Writes go through HubFanout (a queue per connection, never waiting on one), whoever sends: see the lifetime manager.
        builder.Services.AddSingleton<HubFanout>();
        builder.Services.AddSingleton<BackplaneLifetimeManager>();
        builder.Services.AddSingleton<HubLifetimeManager<InboxHub>>(sp => sp.GetRequiredService<BackplaneLifetimeManager>());
        builder.Services.AddSingleton<StreamChannel>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StreamChannel>());
        builder.Services.AddSingleton<RecentEvents>();
        builder.Services.AddSingleton<LocalConnections>();
        builder.Services.AddSingleton<AgentPresence>();
        builder.Services.AddSingleton<AgentSignals>();
        builder.Services.AddSingleton<CustomerTypingIndicator>();
        builder.Services.AddHostedService<PresenceClock>();
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
