using Inbox.Hosting;
using Inbox.Realtime;
using Inbox.Tenancy;
using Microsoft.AspNetCore.SignalR;

// SignalR hub: agents connect with their JWT and receive their tenant's events as they happen.
var builder = WebApplication.CreateBuilder(args);
builder.AddInboxDefaults();
builder.AddInboxAuthentication();
builder.Services.AddSignalR(o => o.AddFilter<TenantHubFilter>());
builder.Services.AddSingleton<RecentEvents>();
builder.AddInboxBus(RealtimeBus.RegisterConsumers, RealtimeBus.ConfigureInstanceQueue);

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
app.MapInboxHealth();
app.MapHub<InboxHub>("/hubs/inbox");
app.Run();
