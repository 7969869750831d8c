using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Net.Sockets;

namespace Inbox.Tests.Integration.Infrastructure;

/// <summary>
/// A Realtime instance in a process of its own (the service's build output, with the tests' environment), so a test can
/// kill it outright: no goodbye to Redis, RabbitMQ or its clients, as when a machine dies.
/// </summary>
public sealed class RealtimeProcess : IAsyncDisposable
{
    private readonly Process _process;

    private RealtimeProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public static async Task<RealtimeProcess> StartAsync(Dictionary<string, string> settings)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(ServiceDll());
        start.ArgumentList.Add($"--urls=http://127.0.0.1:{port}");
        foreach (var (key, value) in settings) start.ArgumentList.Add($"--{key}={value}");
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var instance = new RealtimeProcess(process, new Uri($"http://127.0.0.1:{port}"));
        using var http = new HttpClient { BaseAddress = instance.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        for (var attempt = 0; attempt < 240; attempt++)
        {
            if (process.HasExited) throw new InvalidOperationException($"Realtime exited with {process.ExitCode}.");
            try
            {
                // Ready when its queues are bound and it is on the backplane.
                var checks = (await http.GetFromJsonAsync<JsonElement>("/health")).GetProperty("checks");
                if (new[] { "bus", "redis" }.All(c => checks.TryGetProperty(c, out var check) && check.GetProperty("status").GetString() == "Healthy"))
                    return instance;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException) { }
            await Task.Delay(250);
        }
        await instance.DisposeAsync();
        throw new TimeoutException("The Realtime process did not become ready.");
    }

    /// <summary>Kills the process at once.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Realtime's own build output, of the configuration these tests were built with.</summary>
    private static string ServiceDll()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Inbox.sln"))) directory = directory.Parent;
        if (directory is null) throw new InvalidOperationException("The repository root was not found.");
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        return Path.Combine(directory.FullName, "services", "Realtime", "bin", configuration, "net10.0", "Inbox.Realtime.dll");
    }
}
