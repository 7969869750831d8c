using Inbox.Hosting;
using MassTransit;

namespace Inbox.Workers.Media;

public static class MediaServices
{
    public static void RegisterConsumers(IBusRegistrationConfigurator bus) =>
        bus.AddConsumer<DownloadMediaConsumer, DownloadMediaConsumerDefinition>();

    public static WebApplicationBuilder AddMediaDownloads(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(MediaSettings.From(builder.Configuration));
        builder.Services.AddSingleton<MediaDownloadSweep>();
        builder.Services.AddSingleton<UnsentUploadSweep>();
        return builder.AddGraphApi();
    }
}
