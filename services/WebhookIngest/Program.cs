using Inbox.Hosting;
using Inbox.WebhookIngest;

// WhatsApp Cloud API webhooks: verify the signature, persist first, answer 200 after the commit, publish after.
var builder = WebApplication.CreateBuilder(args);
builder.AddInboxDefaults();
builder.AddInboxBus();
builder.AddOutboxRelay();
builder.Services.AddSingleton(WebhookSettings.From(builder.Configuration));
builder.Services.AddScoped<WebhookIngestor>();
builder.Services.AddSingleton<ChannelHealthRecorder>();
builder.Services.AddScoped<LedgerReplay>();

var app = builder.Build();
app.MapInboxHealth();
app.MapWebhookApi();
app.Run();
