using Inbox.Hosting;
using Inbox.Workers;
using Inbox.Workers.Media;
using Inbox.Workers.Outbound;

// Background work: MassTransit consumers (outbound sends, read receipts, media downloads) and Quartz jobs
// (outbox sweep, conversation timers, abandoned sends and downloads, retention).
var builder = WebApplication.CreateBuilder(args);
builder.AddInboxDefaults();
builder.AddInboxBus(bus =>
{
    OutboundServices.RegisterConsumers(bus);
    MediaServices.RegisterConsumers(bus);
});
builder.AddOutboxRelay();
builder.AddOutbound();
builder.AddMediaDownloads();
builder.AddInboxJobs();

var app = builder.Build();
app.MapInboxHealthAndMetrics();
app.Run();
