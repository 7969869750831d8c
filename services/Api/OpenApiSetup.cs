using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Inbox.Api;

/// <summary>The OpenAPI document (with the bearer scheme every /api endpoint but login and refresh needs) and a UI for it.</summary>
public static class OpenApiSetup
{
    public static IServiceCollection AddInboxOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Inbox API",
                Version = "v1",
                Description = "The REST API of the Inbox web app. Errors are RFC 7807 problem details; problem types a client "
                              + "branches on are urn:inbox:problem:*. Lists use keyset cursors (nextCursor). Sends need an Idempotency-Key header.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "JWT",
                Description = "The accessToken from POST /api/auth/login or /api/auth/refresh.",
            };
            document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] }];
            return Task.CompletedTask;
        }));

    public static WebApplication MapInboxOpenApi(this WebApplication app)
    {
        app.MapOpenApi();
        app.UseSwaggerUI(o =>
        {
            o.SwaggerEndpoint("/openapi/v1.json", "Inbox API v1");
            o.RoutePrefix = "swagger";
        });
        return app;
    }
}
