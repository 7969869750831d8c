using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace Inbox.Api.Frontend;

/// <summary>
/// The web inbox (frontend/dist) served by the Api itself, so browsers talk to one origin for pages and REST.
/// Hashed assets under /assets/ never change and are cached for a year; index.html is always revalidated, so a
/// deploy reaches browsers on their next load. Any non-API path without a file is the single-page app's route.
/// </summary>
public static class StaticFrontend
{
    /// <summary>Where the built app is: <c>Frontend:Path</c> (./inbox: frontend/dist), else wwwroot (the image).</summary>
    public static string? Locate(IConfiguration configuration, IWebHostEnvironment environment)
    {
        var path = configuration["Frontend:Path"] ?? Path.Combine(environment.ContentRootPath, "wwwroot");
        return File.Exists(Path.Combine(path, "index.html")) ? Path.GetFullPath(path) : null;
    }

    public static void MapStaticFrontend(this WebApplication app)
    {
        if (Locate(app.Configuration, app.Environment) is not { } root)
        {
            app.Logger.LogWarning("No built web inbox found (Frontend:Path or wwwroot): serving the API only");
            return;
        }
        var files = new PhysicalFileProvider(root);
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = context => context.Context.Response.Headers.CacheControl =
                context.Context.Request.Path.StartsWithSegments("/assets")
                    ? "public, max-age=31536000, immutable"
                    : "no-cache",
        });
        app.MapFallback(async context =>
        {
            // An unknown API path stays an API 404, never the app's HTML.
            if (context.Request.Path.StartsWithSegments("/api")
                || (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method)))
            {
                await Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not Found",
                    type: "urn:inbox:problem:not-found").ExecuteAsync(context);
                return;
            }
            context.Response.Headers.CacheControl = "no-cache";
            context.Response.ContentType = "text/html; charset=utf-8";
            await context.Response.SendFileAsync(files.GetFileInfo("index.html"));
        });
    }
}
