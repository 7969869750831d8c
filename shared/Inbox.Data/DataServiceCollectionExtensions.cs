using Inbox.Data.Outbox;
using Inbox.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Inbox.Data;

public static class DataServiceCollectionExtensions
{
    /// <summary>
    /// The database as every service sees it: one pooled data source for the application role (ConnectionStrings:Inbox),
    /// the scoped tenant, the DbContext bound to it, the outbox signal, and the secret protector. Database:MaxPoolSize
    /// caps the pool (PostgreSQL's max_connections is shared by every service and instance); statements are
    /// auto-prepared.
    /// </summary>
    public static IServiceCollection AddInboxData(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Inbox")
            ?? throw new InvalidOperationException("ConnectionStrings:Inbox is not configured.");
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (configuration.GetValue<int?>("Database:MaxPoolSize") is { } maxPoolSize) builder.MaxPoolSize = maxPoolSize;
        // Statements run a second time are prepared on the server and stay prepared across pooled opens: the ingest
        // path and the relay run the same few statements thousands of times a second. A connection string that
        // sets its own value keeps it.
        if (builder.MaxAutoPrepare == 0) builder.MaxAutoPrepare = 64;
        connectionString = builder.ConnectionString;
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString).Build());
        services.AddScoped<TenantContext>();
        services.AddDbContext<InboxDbContext>((sp, options) => options
            .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>())
            .AddInterceptors(new TenantConnectionInterceptor(sp.GetRequiredService<TenantContext>())));
        services.AddSingleton<OutboxSignal>();
        services.AddMediaStore(configuration);
        services.AddSingleton(_ => new SecretProtector(configuration["Secrets:Key"]
            ?? throw new InvalidOperationException("Secrets:Key is not configured.")));
        return services;
    }
}
