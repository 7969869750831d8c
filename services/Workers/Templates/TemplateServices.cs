using Inbox.Hosting;
using MassTransit;

namespace Inbox.Workers.Templates;

public static class TemplateServices
{
    public static void RegisterConsumers(IBusRegistrationConfigurator bus) =>
        bus.AddConsumer<SyncTemplatesConsumer, SyncTemplatesConsumerDefinition>();

    /// <summary>The Graph API client, the read of a number's templates and its schedule's settings (the job is in Jobs).</summary>
    public static WebApplicationBuilder AddTemplateSync(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TemplateSyncSettings.From(builder.Configuration));
        builder.Services.AddScoped<TemplateSync>(); // scoped: the Graph client is a typed HttpClient
        builder.Services.AddScoped<TemplateSyncSweep>();
        return builder.AddGraphApi();
    }
}
