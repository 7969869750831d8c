using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Inbox.Hosting;

/// <summary>
/// OpenTelemetry for every service. Metrics always: the services' own meters (Inbox.*), ASP.NET Core, HttpClient,
/// the runtime and MassTransit, scraped at /metrics (loopback callers only unless Telemetry:Metrics:AllowRemote). Traces
/// — ASP.NET Core, HttpClient, Npgsql, MassTransit and our spans (Inbox.*), one trace from a webhook or API request
/// through the outbox and the bus to the hub push or the Graph API call — only when OTEL_EXPORTER_OTLP_ENDPOINT (an
/// environment variable or configuration key) names a collector, which then gets the metrics too. Without one,
/// nothing samples spans, so the hot paths create none.
/// </summary>
public static class Telemetry
{
    private const string OwnSources = "Inbox.*";

    public static WebApplicationBuilder AddInboxTelemetry(this WebApplicationBuilder builder)
    {
        var exportOtlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(OwnSources, "MassTransit")
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddPrometheusExporter();
                if (exportOtlp) metrics.AddOtlpExporter();
            });
        if (exportOtlp)
            telemetry.WithTracing(tracing => tracing
                .AddSource(OwnSources, "MassTransit")
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsOperational(context.Request.Path))
                .AddHttpClientInstrumentation()
                .AddNpgsql()
                .AddOtlpExporter());
        return builder;
    }

    /// <summary>
    /// GET /metrics in Prometheus' text format. Only loopback callers get it (a sidecar or node agent scrapes it) unless
    /// Telemetry:Metrics:AllowRemote is true; anyone else gets 404, as if it were not there.
    /// </summary>
    public static IEndpointRouteBuilder MapInboxMetrics(this IEndpointRouteBuilder app)
    {
        var allowRemote = app.ServiceProvider.GetRequiredService<IConfiguration>().GetValue<bool>("Telemetry:Metrics:AllowRemote");
        app.MapPrometheusScrapingEndpoint("/metrics", meterProvider: null, configureBranchedPipeline: branch => branch.Use((context, next) =>
            allowRemote || IsLoopback(context) ? next(context) : Refuse(context)), optionsName: null);
        return app;
    }

    private static bool IsLoopback(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } address && IPAddress.IsLoopback(address);

    private static Task Refuse(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    /// <summary>Probes and scrapes are not traced: they would drown the traces that matter.</summary>
    private static bool IsOperational(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics");
}
