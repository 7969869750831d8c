using Inbox.Api.Auth;
using Inbox.Api.Conversations;
using Inbox.Api.Events;
using Inbox.Api.Media;
using Inbox.Hosting;
using Inbox.Tenancy;

// The REST API behind the web inbox: auth, conversations, messages (and, as issues add them, sending and admin).
var builder = WebApplication.CreateBuilder(args);
builder.AddInboxDefaults();
builder.AddInboxAuthentication();
builder.Services.AddOpenApi();
builder.Services.AddSingleton<AccessTokenIssuer>();

var app = builder.Build();
app.UseExceptionHandler(new ExceptionHandlerOptions { StatusCodeSelector = ProblemStatus.ForException });
app.UseStatusCodePages();
app.UseAuthentication();
app.UseTenantFromClaims();
app.UseAuthorization();
app.MapOpenApi();
app.MapInboxHealth();
app.MapAuthApi();
app.MapConversationsApi();
app.MapMediaApi();
app.MapEventsApi();
app.Run();
