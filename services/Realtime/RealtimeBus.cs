using Inbox.Contracts;
using MassTransit;

namespace Inbox.Realtime;

/// <summary>
/// Two queues. Stream events are consumed once for all instances, from one shared durable queue
/// (<c>realtime-stream</c>): the consumer sends each batch through Redis to every instance. The queue has a single
/// active consumer — a tenant's batches must be sent in order, which consumers taking turns would not keep — and
/// RabbitMQ hands it to another instance at once when the active one goes. The signals that end access
/// (<see cref="MemberDeactivated"/>, <see cref="SessionEnded"/>) must reach every instance, since each closes its own
/// sockets: each binds its own queue for them, named by Realtime:InstanceId, durable and expiring 10 minutes after its
/// instance is gone.
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
        bus.ReceiveEndpoint("realtime-stream", e =>
        {
            e.Durable = true;
            e.SingleActiveConsumer = true;
            e.ConcurrentMessageLimit = 1; // sent in the order they were published
            e.ConfigureConsumer<TenantStreamConsumer>(context);
        });
        var instanceId = context.GetRequiredService<RealtimeSettings>().InstanceId;
        bus.ReceiveEndpoint($"realtime-{instanceId}", e =>
        {
            e.Durable = true;
            e.AutoDelete = false;
            e.SetQueueArgument("x-expires", (int)TimeSpan.FromMinutes(10).TotalMilliseconds);
            e.ConfigureConsumer<MemberDeactivatedConsumer>(context);
            e.ConfigureConsumer<SessionEndedConsumer>(context);
        });
    }
}
