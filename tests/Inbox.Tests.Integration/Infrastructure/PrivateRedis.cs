using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Inbox.Tests.Integration.Infrastructure;

/// <summary>
/// A Redis server of one test's own (Debian's redis-server, which ./inbox installs), on a free loopback port, that the
/// test can kill and start again — the shared one must never go down under the other tests.
/// </summary>
public sealed class PrivateRedis : IAsyncDisposable
{
    private Process? _server;

    public int Port { get; } = FreePort();

    public async Task StartAsync()
    {
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--port", $"{Port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" }) start.ArgumentList.Add(arg);
        _server = Process.Start(start)!;
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) { await Task.Delay(50); }
        }
        throw new TimeoutException("redis-server did not start.");
    }

    /// <summary>Kills the server, as a crash would.</summary>
    public async Task KillAsync()
    {
        if (_server is null) return;
        _server.Kill();
        await _server.WaitForExitAsync();
        _server.Dispose();
        _server = null;
    }

    public async ValueTask DisposeAsync() => await KillAsync();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
