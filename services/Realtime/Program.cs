using Inbox.Hosting;
using Inbox.Realtime;

// SignalR hub: agents connect with their JWT and receive their tenant's events as they happen.
var builder = WebApplication.CreateBuilder(args);
builder.AddInboxDefaults();
builder.AddInboxAuthentication();
builder.AddRealtimeHub();
builder.AddInboxBus(RealtimeBus.RegisterConsumers, RealtimeBus.ConfigureQueues);
builder.AddOutboxRelay();   // the customer's typing indicator goes to Workers through the outbox

var app = builder.Build();
app.UseCors();              // the web inbox connects from the Api's origin
app.UseAuthentication();
app.UseAuthorization();
app.MapInboxHealthAndMetrics();
app.MapRealtimeHub();
app.Run();
