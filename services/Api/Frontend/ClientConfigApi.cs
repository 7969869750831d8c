namespace Inbox.Api.Frontend;

/// <summary>What the web inbox needs before login: where the Realtime hub is (it may be another origin).</summary>
public static class ClientConfigApi
{
    public sealed record ClientConfig(string RealtimeUrl);

    public static void MapClientConfigApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/client-config", (IConfiguration configuration) =>
                TypedResults.Ok(new ClientConfig(configuration["Frontend:RealtimeUrl"] ?? "/hubs/inbox")))
            .AllowAnonymous().WithTags("Frontend").WithSummary("The Realtime hub URL for the web inbox");
}
