using Inbox.Data.Outbox;
using Inbox.Tenancy;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Inbox.Hosting;

public static class BusDefaults
{
    /// <summary>
    /// MassTransit over RabbitMQ (RabbitMq:Host, Port, VirtualHost, Username, Password). Every consumed message
    /// runs for the tenant named in its header. A broker outage degrades health but never stops the service:
    /// nothing on a request path waits on the bus.
    /// </summary>
    public static WebApplicationBuilder AddInboxBus(
        this WebApplicationBuilder builder,
        Action<IBusRegistrationConfigurator>? registerConsumers = null,
        Action<IBusRegistrationContext, IRabbitMqBusFactoryConfigurator>? configureEndpoints = null)
    {
        var rabbit = builder.Configuration.GetSection("RabbitMq");
        builder.Services.AddMassTransit(x =>
        {
            registerConsumers?.Invoke(x);
            x.ConfigureHealthCheckOptions(o =>
            {
                o.Name = "bus";
                o.MinimalFailureStatus = HealthStatus.Degraded;
                o.Tags.Clear();
            });
            x.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(rabbit["Host"] ?? "127.0.0.1", rabbit.GetValue<ushort?>("Port") ?? 5672,
                    rabbit["VirtualHost"] ?? "/", h =>
                    {
                        h.Username(rabbit["Username"] ?? "guest");
                        h.Password(rabbit["Password"] ?? "guest");
                    });
                cfg.UseConsumeFilter(typeof(TenantConsumeFilter<>), context);
                if (configureEndpoints is null) cfg.ConfigureEndpoints(context);
                else configureEndpoints(context, cfg);
            });
        });
        return builder;
    }

    /// <summary>Publishes this process's outbox rows right after each commit, with a sweep as the safety net.</summary>
    public static WebApplicationBuilder AddOutboxRelay(this WebApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<OutboxPublisher>();
        builder.Services.AddSingleton(OutboxRelaySettings.From(builder.Configuration));
        builder.Services.AddHostedService<OutboxRelay>();
        return builder;
    }
}
