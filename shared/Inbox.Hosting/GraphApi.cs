using Inbox.WhatsApp;
using Microsoft.AspNetCore.Builder;

namespace Inbox.Hosting;

public static class GraphApi
{
    /// <summary>
    /// The Graph API client (<see cref="IGraphApi"/>, Refit, with retries keyed on Meta's error codes) and the media
    /// downloader (WhatsApp:GraphBaseUrl, WhatsApp:GraphVersion): Workers send and fetch media with them, the Api
    /// proves numbers.
    /// </summary>
    public static WebApplicationBuilder AddGraphApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddGraphApi(builder.Configuration);
        return builder;
    }
}
