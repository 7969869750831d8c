using Inbox.Api;
using Inbox.Api.Admin;
using Inbox.Api.Auth;
using Inbox.Api.CannedResponses;
using Inbox.Api.Contacts;
using Inbox.Api.Conversations;
using Inbox.Api.Events;
using Inbox.Api.Frontend;
using Inbox.Api.Media;
using Inbox.Api.Messages;
using Inbox.Api.RateLimits;
using Inbox.Api.Settings;
using Inbox.Api.Templates;
using Inbox.Data;
using Inbox.Hosting;
using Inbox.Tenancy;

// The REST API behind the web inbox (which it also serves): auth, conversations, messages and sending, contacts,
// canned responses, settings, templates; tenant administration (members, invites, seats, WhatsApp numbers, audit) and the
// platform operator's tenant creation.
var builder = WebApplication.CreateBuilder(args);
builder.AddInboxDefaults();
builder.AddInboxAuthentication();
builder.AddRequestBodyLimit(); // 1 MiB of JSON, over it 413
builder.AddInboxBus();      // publishes only, through the outbox: no request waits on RabbitMQ
builder.AddOutboxRelay();
builder.Services.AddInboxOpenApi();
builder.Services.AddSingleton<AccessTokenIssuer>();
builder.Services.AddScoped<TenantProvisioner>(); // the platform operator's tenant creation
builder.AddNumberProof();   // a WhatsApp number is stored only once Meta confirms its token reaches it
builder.AddApiRateLimits(); // per client address, per user and tenant, failed-login back-off: 429 + Retry-After

var app = builder.Build();
app.UseExceptionHandler(new ExceptionHandlerOptions { StatusCodeSelector = ProblemStatus.ForException });
app.UseStatusCodePages();
app.UseAuthentication();
app.UseTenantFromClaims();
app.UseAuthorization();
app.UseRateLimiter();       // after authentication: the per-user and per-tenant buckets need the token's claims
app.MapInboxOpenApi();      // /openapi/v1.json and the Swagger UI at /swagger
app.MapInboxHealthAndMetrics();
app.MapAuthApi();
app.MapConversationsApi();
app.MapMuteApi();           // per agent: no notifications of a conversation
app.MapMessagesApi();
app.MapMediaApi();
app.MapUploadsApi();        // files agents attach from disk, checked against WhatsApp's types and sizes
app.MapContactsApi();
app.MapCannedResponsesApi();
app.MapSettingsApi();
app.MapTemplatesApi();     // each number's WABA's templates, as Meta holds them
app.MapEventsApi();
app.MapMembersApi();        // /api/admin/*: owners and admins
app.MapInvitesApi();        // … and the anonymous /api/invites/{token}
app.MapSeatsApi();
app.MapChannelsApi();
app.MapAuditApi();
app.MapPlatformApi();       // /api/platform/tenants: X-Platform-Key
app.MapClientConfigApi();
app.MapStaticFrontend();  // the web inbox (frontend/dist) and its routes
app.Run();
