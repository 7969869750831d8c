using Inbox.Contracts;
using MassTransit;

namespace Inbox.Realtime;

/// <summary>
/// Every Realtime instance must see every event (each holds different connections), so each binds its own
/// queue, named by Realtime:InstanceId. The queue is durable and expires 10 minutes after its instance is gone:
/// a broker restart or a short blip loses nothing, and a dead instance leaves nothing behind.
/// </summary>
public static class RealtimeBus
{
    public static void RegisterConsumers(IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<TenantStreamConsumer>();
        bus.AddConsumer<AgentTypingConsumer>();
        bus.AddConsumer<InstanceStateConsumer>();
        bus.AddConsumer<MemberDeactivatedConsumer>();
        bus.AddConsumer<SessionEndedConsumer>();
    }

    public static void ConfigureInstanceQueue(IBusRegistrationContext context, IRabbitMqBusFactoryConfigurator bus)
    {
        var instanceId = context.GetRequiredService<RealtimeSettings>().InstanceId;
        bus.ReceiveEndpoint($"realtime-{instanceId}", e =>
        {
            e.Durable = true;
            e.AutoDelete = false;
            e.SetQueueArgument("x-expires", (int)TimeSpan.FromMinutes(10).TotalMilliseconds);
            e.ConcurrentMessageLimit = 1; // pushed in the order they were published
            e.ConfigureConsumer<TenantStreamConsumer>(context);
            e.ConfigureConsumer<AgentTypingConsumer>(context);
            e.ConfigureConsumer<InstanceStateConsumer>(context);
            e.ConfigureConsumer<MemberDeactivatedConsumer>(context);
            e.ConfigureConsumer<SessionEndedConsumer>(context);
        });
    }
}
