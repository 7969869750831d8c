using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

namespace Inbox.Tests.Integration.Infrastructure;

/// <summary>
/// A hub connection that completes the SignalR handshake and then never reads its socket again — a frozen tab, a
/// phone on a dead network — while it keeps pinging, so the server's client timeout never drops it: only the
/// server's own handling of a full outgoing buffer can. Its socket's receive buffer is small, so it fills soon.
/// </summary>
public sealed class StuckClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly HttpMessageInvoker _invoker;
    private readonly CancellationTokenSource _stop = new();
    private Task _pinging = Task.CompletedTask;

    private StuckClient(int receiveBufferBytes) =>
        _invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = receiveBufferBytes };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        });

    public static async Task<StuckClient> ConnectAsync(Uri serviceAddress, string accessToken, int receiveBufferBytes = 4096)
    {
        var client = new StuckClient(receiveBufferBytes);
        client._socket.Options.SetBuffer(1024, 1024);
        var url = new UriBuilder(serviceAddress)
        {
            Scheme = "ws",
            Path = "/hubs/inbox",
            Query = "access_token=" + Uri.EscapeDataString(accessToken),
        }.Uri;
        await client._socket.ConnectAsync(url, client._invoker, CancellationToken.None);
        await client.SendAsync("""{"protocol":"json","version":1}""", CancellationToken.None);
        // The handshake answer is the last thing it reads.
        var answer = new byte[1024];
        var handshake = await client._socket.ReceiveAsync(answer, CancellationToken.None);
        if (Encoding.UTF8.GetString(answer, 0, handshake.Count).Contains("error", StringComparison.Ordinal))
            throw new InvalidOperationException("SignalR handshake failed");
        client._pinging = Task.Run(client.PingAsync);
        return client;
    }

    private async Task PingAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await SendAsync("""{"type":6}""", _stop.Token);
                await Task.Delay(1000, _stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException or IOException)
            {
                return;
            }
        }
    }

    private Task SendAsync(string json, CancellationToken cancellationToken) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(json + '\u001e'), WebSocketMessageType.Text, true, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _pinging;
        _socket.Abort();
        _socket.Dispose();
        _invoker.Dispose();
        _stop.Dispose();
    }
}
