using Inbox.WhatsApp;
using MassTransit;

namespace Inbox.Workers.Media;

public static class MediaServices
{
    public static void RegisterConsumers(IBusRegistrationConfigurator bus) =>
        bus.AddConsumer<DownloadMediaConsumer, DownloadMediaConsumerDefinition>();

    /// <summary>The typed Graph API client (WhatsApp:GraphBaseUrl, WhatsApp:GraphVersion) and media settings.</summary>
    public static WebApplicationBuilder AddMediaDownloads(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.Services.AddSingleton(MediaSettings.From(configuration));
        builder.Services.AddSingleton(new GraphApiOptions(
            configuration["WhatsApp:GraphBaseUrl"] ?? "https://graph.facebook.com",
            configuration["WhatsApp:GraphVersion"] ?? "v24.0"));
        builder.Services.AddHttpClient<IGraphApiClient, GraphApiClient>(http =>
        {
            http.Timeout = TimeSpan.FromSeconds(60);
            http.DefaultRequestHeaders.UserAgent.ParseAdd("Inbox/1.0"); // Meta refuses media downloads without one
        });
        return builder;
    }
}
