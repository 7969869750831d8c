using Inbox.Data;
using Inbox.Manage;
using Inbox.WebhookIngest;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// Operator commands, configured from the same environment as the services (see ./inbox).
var builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Critical); // failures surface as the command's own message or exception
builder.Services.AddInboxData(builder.Configuration);
builder.Services.AddScoped<TenantProvisioner>();
builder.Services.AddScoped<WebhookIngestor>();
builder.Services.AddScoped<LedgerReplay>();
builder.Services.AddSingleton(_ => WebhookSettings.From(builder.Configuration)); // replay verifies each stored signature again
builder.Services.AddSingleton<ChannelOwnApps>();
builder.Services.AddSingleton<WebhookAuthentication>();
using var host = builder.Build();

switch (args.FirstOrDefault())
{
    case "migrate":
        await DatabaseMigrator.MigrateAsync(builder.Configuration.GetConnectionString("InboxOwner")
            ?? throw new InvalidOperationException("ConnectionStrings:InboxOwner is not configured."));
        Console.Error.WriteLine("Database is up to date.");
        return 0;
    case "seed-demo":
        await using (var scope = host.Services.CreateAsyncScope())
            Console.WriteLine(await DemoTenant.SeedAsync(scope.ServiceProvider, builder.Configuration));
        return 0;
    case "replay":
        await using (var scope = host.Services.CreateAsyncScope())
            return await ReplayCommand.RunAsync(args[1..], scope.ServiceProvider.GetRequiredService<LedgerReplay>());
    case "tenant":
        await using (var scope = host.Services.CreateAsyncScope())
            return await TenantCommand.RunAsync(args[1..], scope.ServiceProvider.GetRequiredService<TenantProvisioner>());
    default:
        Console.Error.WriteLine("usage: Inbox.Manage migrate | seed-demo | replay --from <time> --to <time> | tenant create …");
        return 2;
}
