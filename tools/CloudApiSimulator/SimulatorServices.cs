using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Inbox.CloudApiSimulator;

public static partial class SimulatorServices
{
    /// <summary>Configuration (WhatsApp:AppSecret, Simulator:*), the in-memory state, the webhook sender and the traffic.</summary>
    public static WebApplicationBuilder AddSimulator(this WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o => o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ");
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning); // one line per webhook POST otherwise
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning); // and per Graph call

        var services = builder.Services;
        services.AddSingleton(sp => WebhookSecret.From(sp.GetRequiredService<IConfiguration>()));
        services.AddOptions<SimulatorOptions>()
            .Bind(builder.Configuration.GetSection(SimulatorOptions.Section))
            .Validate(o => GraphVersion().IsMatch(o.GraphVersion), "Simulator:GraphVersion must look like v24.0.")
            .Validate(o => o.WebhookUrl.IsAbsoluteUri, "Simulator:WebhookUrl must be an absolute URL.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull);
        services.AddHealthChecks();

        services.AddSingleton<NumberRegistry>();
        services.AddSingleton<TemplateStore>();
        services.AddSingleton<TemplateWebhooks>();
        services.AddSingleton<SimulatorRandom>();
        services.AddSingleton<Chats>();
        services.AddSingleton<DeliveryLedger>();
        services.AddSingleton<MediaStore>();
        services.AddSingleton<FailureInjector>();
        services.AddSingleton<SendLimiter>();
        services.AddSingleton<StatusLifecycle>();
        services.AddSingleton<OutboundSends>();
        services.AddSingleton<CustomerMessages>();
        services.AddSingleton<InboundTraffic>();
        services.AddSingleton<WebhookDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
        services.AddSingleton<TrafficGenerator>();
        services.AddHostedService(sp => sp.GetRequiredService<TrafficGenerator>());

        services.AddHttpClient(WebhookDispatcher.HttpClientName)
            .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan) // each attempt has its own Webhooks:Timeout
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                MaxConnectionsPerServer = Math.Max(1, sp.GetRequiredService<IOptions<SimulatorOptions>>().Value.Webhooks.Concurrency),
            });
        return builder;
    }

    [GeneratedRegex(@"^v\d+\.\d+$")]
    private static partial Regex GraphVersion();
}
