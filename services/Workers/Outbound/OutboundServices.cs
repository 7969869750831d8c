using Inbox.Hosting;
using Inbox.WhatsApp;
using MassTransit;

namespace Inbox.Workers.Outbound;

/// <summary>
/// Outbound:SendLease (2 min: how long a claim holds without news from its worker; renewed before each Graph call, so
/// it must exceed Outbound:AttemptTimeout + Outbound:MaxRetryDelay, see <see cref="GraphRetrySettings"/>) and
/// Outbound:LeaseSweepInterval (30 s: how often expired claims are looked for).
/// </summary>
public sealed record OutboundSettings(TimeSpan SendLease, TimeSpan LeaseSweepInterval)
{
    public static OutboundSettings From(IConfiguration configuration)
    {
        var settings = new OutboundSettings(
            configuration.GetValue<TimeSpan?>("Outbound:SendLease") ?? TimeSpan.FromMinutes(2),
            configuration.GetValue<TimeSpan?>("Outbound:LeaseSweepInterval") ?? TimeSpan.FromSeconds(30));
        // A shorter lease would let the sweep take a send from a worker that is only waiting to retry it.
        var graph = GraphRetrySettings.From(configuration);
        if (settings.SendLease <= graph.AttemptTimeout + graph.MaxRetryDelay)
            throw new InvalidOperationException("Outbound:SendLease must be longer than Outbound:AttemptTimeout + Outbound:MaxRetryDelay.");
        return settings;
    }
}

public static class OutboundServices
{
    public static void RegisterConsumers(IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<SendWhatsAppMessageConsumer, SendWhatsAppMessageConsumerDefinition>();
        bus.AddConsumer<SendReadReceiptConsumer, SendReadReceiptConsumerDefinition>();
    }

    public static WebApplicationBuilder AddOutbound(this WebApplicationBuilder builder)
    {
        var settings = OutboundSettings.From(builder.Configuration);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<SendLeaseSweep>();
        return builder.AddGraphApi();
    }
}
