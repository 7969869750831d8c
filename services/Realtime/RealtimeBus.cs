using System.Security.Cryptography;
using System.Text;
using Inbox.Contracts;
using MassTransit;

namespace Inbox.Realtime;

/// <summary>
/// Two queues. Stream events are consumed once per deployment (the instances sharing a Redis channel prefix,
/// <see cref="RealtimeSettings.Deployment"/>), from one durable queue its instances share
/// (<c>realtime-stream-{deployment}</c>): the consumer sends each batch through that deployment's Redis to every
/// instance of it. Named by the deployment, the queue is never consumed by an instance that publishes on another Redis
/// or prefix (another stack, or a test's private one, on the same vhost), which would leave this deployment's clients
/// without events; each deployment gets every event. The queue has a single active consumer — a tenant's batches must
/// be sent in order, which consumers taking turns would not keep — and RabbitMQ hands it to another instance at once
/// when the active one goes; it expires 10 minutes after its deployment's last instance is gone. The signals that end
/// access (<see cref="MemberDeactivated"/>, <see cref="SessionEnded"/>) must reach every instance, since each closes its
/// own sockets: each binds its own queue for them, named by Realtime:InstanceId, durable and expiring 10 minutes after
/// its instance is gone.
/// </summary>
public static class RealtimeBus
{
    public static void RegisterConsumers(IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<TenantStreamConsumer>();
        bus.AddConsumer<MemberDeactivatedConsumer>();
        bus.AddConsumer<SessionEndedConsumer>();
    }

    public static void ConfigureQueues(IBusRegistrationContext context, IRabbitMqBusFactoryConfigurator bus)
    {
        var settings = context.GetRequiredService<RealtimeSettings>();
        bus.ReceiveEndpoint(StreamQueue(settings.Deployment), e =>
        {
            e.Durable = true;
            e.SingleActiveConsumer = true;
            e.SetQueueArgument("x-expires", (int)TimeSpan.FromMinutes(10).TotalMilliseconds);
            e.ConcurrentMessageLimit = 1; // sent in the order they were published
            e.ConfigureConsumer<TenantStreamConsumer>(context);
        });
        bus.ReceiveEndpoint($"realtime-{settings.InstanceId}", e =>
        {
            e.Durable = true;
            e.AutoDelete = false;
            e.SetQueueArgument("x-expires", (int)TimeSpan.FromMinutes(10).TotalMilliseconds);
            e.ConfigureConsumer<MemberDeactivatedConsumer>(context);
            e.ConfigureConsumer<SessionEndedConsumer>(context);
        });
    }

    /// <summary>The deployment's stream queue; a prefix with characters a queue name may not have is named by its hash.</summary>
    public static string StreamQueue(string deployment) =>
        deployment.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? $"realtime-stream-{deployment}"
            : $"realtime-stream-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(deployment)))[..16]}";
}
