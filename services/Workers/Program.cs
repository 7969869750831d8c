using Inbox.Hosting;
using Inbox.Workers;

// Background work: MassTransit consumers (outbound sends and media arrive with their issues) and Quartz jobs.
var builder = WebApplication.CreateBuilder(args);
builder.AddInboxDefaults();
builder.AddInboxBus();
builder.AddInboxJobs();

var app = builder.Build();
app.MapInboxHealth();
app.Run();
