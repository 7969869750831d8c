
namespace Inbox.Api;

/// <summary>
/// Every request body the Api reads is JSON of a few kilobytes, except a file upload (POST /api/uploads raises the
/// cap for itself to WhatsApp's largest file and checks each kind's limit as it reads), so Kestrel refuses bodies over
/// Api:MaxRequestBodyBytes (default 1 MiB) instead of its 30 MB default: a huge template payload is never stored and
/// fanned out. The framework's "too large" is thrown rather than turned
/// into a bare 400, so the exception handler answers it as 413 problem details (<see cref="Hosting.ProblemStatus"/>).
/// </summary>
public static class RequestBodyLimit
{
    public const long DefaultBytes = 1024 * 1024;

    public static WebApplicationBuilder AddRequestBodyLimit(this WebApplicationBuilder builder)
    {
        var limit = builder.Configuration.GetValue<long?>("Api:MaxRequestBodyBytes") ?? DefaultBytes;
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = limit);
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return builder;
    }
}
