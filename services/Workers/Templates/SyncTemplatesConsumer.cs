using Inbox.Contracts;
using MassTransit;

namespace Inbox.Workers.Templates;

/// <summary>
/// Reads a number's templates when asked: the number was added or changed, or Meta reported a status for a template
/// not known here. A read the Graph API could not answer (unreachable, throttled) is tried again a few times; one Meta
/// refused (a bad token) is recorded for the admins and not repeated (the schedule reads again later).
/// </summary>
public sealed class SyncTemplatesConsumer(TemplateSync sync) : IConsumer<SyncTemplates>
{
    public async Task Consume(ConsumeContext<SyncTemplates> context)
    {
        var outcome = await sync.SyncAsync(context.Message.TenantId, context.Message.ChannelId, context.CancellationToken);
        if (outcome.Transient) throw new TemplateSyncFailedException(outcome.Error!);
    }
}

/// <summary>A read of a number's templates that may succeed if tried again.</summary>
public sealed class TemplateSyncFailedException(string message) : Exception(message);

public sealed class SyncTemplatesConsumerDefinition : ConsumerDefinition<SyncTemplatesConsumer>
{
    public SyncTemplatesConsumerDefinition() => ConcurrentMessageLimit = 4;

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<SyncTemplatesConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        // E.g. Workers started before the Graph API answers; past these, the schedule retries (Templates:RetryInterval).
        endpointConfigurator.UseMessageRetry(r => r.Intervals(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15)));
}
