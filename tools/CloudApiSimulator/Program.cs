using Inbox.CloudApiSimulator;

// A local WhatsApp Cloud API. Graph side: what Workers call to send, fetch media and list templates. Webhook side:
// signed status, customer-message and template-status webhooks to WebhookIngest, retried like Meta retries. Control side: traffic, failures and a
// report of every id it sent. Everything lives in memory; see README.md, "Cloud API simulator".
var builder = WebApplication.CreateBuilder(args);
builder.AddSimulator();

var app = builder.Build();
app.MapHealthChecks("/health/live");
app.MapHealthChecks("/health/ready");
app.MapHealthChecks("/health");
app.MapMessagesApi();   // POST /{version}/{phone_number_id}/messages
app.MapMediaApi();      // POST /{version}/{phone_number_id}/media, GET|DELETE /{version}/{media-id}, media download
app.MapPhoneNumbersApi(); // GET /{version}/{phone_number_id} (through MediaApi's route), GET /{version}/{waba_id}/phone_numbers
app.MapTemplatesApi();  // GET /{version}/{waba_id}/message_templates
app.MapControlApi();    // /simulator/…
app.Run();
