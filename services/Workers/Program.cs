using Inbox.Hosting;
using Inbox.Workers;
using Inbox.Workers.Media;

// Background work: MassTransit consumers (media downloads; outbound sends arrive with their issue) and Quartz jobs.
var builder = WebApplication.CreateBuilder(args);
builder.AddInboxDefaults();
builder.AddInboxBus(MediaServices.RegisterConsumers);
builder.AddOutboxRelay();
builder.AddMediaDownloads();
builder.AddInboxJobs();

var app = builder.Build();
app.MapInboxHealth();
app.Run();
