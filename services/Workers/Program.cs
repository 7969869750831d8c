using Inbox.Hosting;
using Inbox.Workers;
using Inbox.Workers.Media;
using Inbox.Workers.Outbound;
using Inbox.Workers.Templates;

// Background work: MassTransit consumers (outbound sends, read receipts, media downloads, template reads) and Quartz
// jobs (outbox sweep, conversation timers, abandoned sends and downloads, template schedule, retention).
var builder = WebApplication.CreateBuilder(args);
builder.AddInboxDefaults();
builder.AddInboxBus(bus =>
{
    OutboundServices.RegisterConsumers(bus);
    MediaServices.RegisterConsumers(bus);
    TemplateServices.RegisterConsumers(bus);
});
builder.AddOutboxRelay();
builder.AddOutbound();
builder.AddMediaDownloads();
builder.AddTemplateSync();
builder.AddInboxJobs();

var app = builder.Build();
app.MapInboxHealthAndMetrics();
app.Run();
