namespace Inbox.CloudApiSimulator;

public static class GraphRoutes
{
    /// <summary>Any Graph version of the form v{major}.{minor}; the simulator answers them all the same way.</summary>
    public const string Version = "{version:regex(^v\\d+\\.\\d+$)}";

    /// <summary>The base URL a client reached us by, for URLs we hand out (unless Simulator:PublicBaseUrl says otherwise).</summary>
    public static Uri BaseUrl(HttpRequest request, SimulatorOptions options) =>
        options.PublicBaseUrl ?? new Uri($"{request.Scheme}://{request.Host}{request.PathBase}/");
}
