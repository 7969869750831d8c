using Inbox.WhatsApp;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Inbox.Hosting;

public static class GraphApi
{
    /// <summary>
    /// The typed Graph API client (WhatsApp:GraphBaseUrl, WhatsApp:GraphVersion): Workers send and fetch media with
    /// it, the Api proves numbers with it.
    /// </summary>
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
