using System.Text.Json;
using Inbox.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Inbox.Hosting;

public static class HostingDefaults
{
    /// <summary>What every service has: JSON logs, problem details, health checks, the database and telemetry.</summary>
    public static WebApplicationBuilder AddInboxDefaults(this WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o => o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ");
        // ASP.NET Core writes ~5 Information lines per request (start, endpoint, result, finish): under load that
        // costs more than the request. Its warnings and errors still show; Logging:LogLevel:Microsoft.AspNetCore overrides.
        if (builder.Configuration["Logging:LogLevel:Microsoft.AspNetCore"] is null)
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.AddProblemDetails();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddInboxData(builder.Configuration);
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        builder.AddInboxTelemetry();
        return builder;
    }

    /// <summary>
    /// /health/live (the process answers), /health/ready (it can do its work), /health (everything, with detail), and
    /// /metrics (<see cref="Telemetry.MapInboxMetrics"/>).
    /// </summary>
    public static WebApplication MapInboxHealthAndMetrics(this WebApplication app)
    {
        app.MapInboxMetrics();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = WriteDetail });
        return app;
    }

    private static Task WriteDetail(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Description ?? e.Value.Exception?.Message,
            }),
        }));
    }
}

/// <summary>Ready only when PostgreSQL answers.</summary>
internal sealed class DatabaseHealthCheck(Npgsql.NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("select 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL is unreachable", ex);
        }
    }
}
