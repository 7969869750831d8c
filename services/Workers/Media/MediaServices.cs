using Inbox.WhatsApp;
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
        return builder.AddGraphApi();
    }

    /// <summary>The typed Graph API client (WhatsApp:GraphBaseUrl, WhatsApp:GraphVersion), for media and sends alike.</summary>
    public static WebApplicationBuilder AddGraphApi(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (builder.Services.Any(s => s.ServiceType == typeof(GraphApiOptions))) return builder;
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
