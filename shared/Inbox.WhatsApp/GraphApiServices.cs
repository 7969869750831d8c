using System.Text.Json.Serialization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Refit;

namespace Inbox.WhatsApp;

/// <summary>WhatsApp:GraphBaseUrl (default https://graph.facebook.com) and WhatsApp:GraphVersion (default v24.0).</summary>
public sealed record GraphApiOptions(string BaseUrl, string Version)
{
    public static GraphApiOptions From(IConfiguration configuration) => new(
        configuration["WhatsApp:GraphBaseUrl"] ?? "https://graph.facebook.com",
        configuration["WhatsApp:GraphVersion"] ?? "v24.0");
}

public static class GraphApiServices
{
    /// <summary>Meta refuses media downloads without a User-Agent.</summary>
    private const string UserAgent = "Inbox/1.0";

    /// <summary>
    /// <see cref="IGraphApi"/> (Refit) with its resilience pipeline (<see cref="GraphResilience"/>), and
    /// <see cref="GraphMediaDownloader"/> for media URLs. Workers send and fetch media with them, the Api proves numbers.
    /// </summary>
    public static IServiceCollection AddGraphApi(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(s => s.ServiceType == typeof(GraphApiOptions))) return services;
        var options = GraphApiOptions.From(configuration);
        var retries = GraphRetrySettings.From(configuration);
        services.AddSingleton(options);
        services.AddSingleton(retries);

        var graph = services.AddRefitGeneratedClient<IGraphApi>(GraphJsonContext.Default, _ =>
            {
                var settings = RefitSettings.ForJsonContext(GraphJsonContext.Default);
                settings.ExceptionFactory = async response => await GraphApiException.FromResponseAsync(response);
                // The exception itself (a timeout, a refused connection…), not wrapped: what it is decides whether a send may be repeated.
                settings.TransportExceptionFactory = (_, exception, _) => exception;
                return settings;
            })
            .ConfigureHttpClient(http =>
            {
                http.BaseAddress = new Uri($"{options.BaseUrl.TrimEnd('/')}/{options.Version}");
                http.Timeout = Timeout.InfiniteTimeSpan; // the pipeline bounds each attempt; this would bound all retries together
                http.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);
            });
        graph.AddResilienceHandler("graph-api", (pipeline, context) => GraphResilience.Configure(pipeline, retries,
            context.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GraphResilience))));
        graph.AddHttpMessageHandler(() => new SendAttemptHandler()); // added after the resilience handler: inside it, once per attempt

        services.AddHttpClient<GraphMediaDownloader>(http =>
        {
            http.Timeout = GraphResilience.UnretriedCallTimeout;
            http.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);
        });
        return services;
    }

}

/// <summary>
/// The Graph API's JSON as Refit's generated client reads and writes it: snake_case, nulls left out (like
/// <see cref="GraphJson.Options"/>); sizes and ids may come as strings or numbers.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(OutboundMessage))]
[JsonSerializable(typeof(GraphSendAnswer))]
[JsonSerializable(typeof(GraphReadMark))]
[JsonSerializable(typeof(GraphMedia))]
[JsonSerializable(typeof(GraphUploadedMedia))]
[JsonSerializable(typeof(GraphPhoneNumber))]
[JsonSerializable(typeof(GraphPage<GraphPhoneNumber>))]
[JsonSerializable(typeof(GraphPage<GraphTemplate>))]
internal sealed partial class GraphJsonContext : JsonSerializerContext;
