using Inbox.Hosting;
using Inbox.WebhookIngest;

// WhatsApp Cloud API webhooks: verify the signature, persist first, answer 200 after the commit, publish after.
var builder = WebApplication.CreateBuilder(args);
var ingest = IngestSettings.From(builder.Configuration);
builder.Configuration["Database:MaxPoolSize"] ??= ingest.PoolSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
builder.AddInboxDefaults();
builder.LimitWebhookBodyRate();                           // a slow sender cannot hold a body buffer
builder.AddInboxBus();
builder.AddOutboxRelay();
builder.Services.AddSingleton(WebhookSettings.From(builder.Configuration));
builder.Services.AddSingleton(ingest);
builder.Services.AddSingleton<IngestQueue>();             // admission and group commit
builder.Services.AddHostedService(sp => sp.GetRequiredService<IngestQueue>());
builder.Services.AddScoped<WebhookIngestor>();
builder.Services.AddSingleton<ChannelHealthRecorder>();
builder.Services.AddSingleton<ChannelOwnApps>();      // numbers on their tenant's own Meta app
builder.Services.AddSingleton<WebhookAuthentication>(); // which numbers a signature may write to
builder.Services.AddSingleton<SourceFailures>();        // addresses that keep failing it get 429
builder.Services.AddScoped<LedgerReplay>();

var app = builder.Build();
app.MapInboxHealthAndMetrics();
app.MapWebhookApi();
app.Run();
