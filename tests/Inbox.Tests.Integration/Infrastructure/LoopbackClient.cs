using System.Net;
using System.Net.Sockets;

namespace Inbox.Tests.Integration.Infrastructure;

/// <summary>
/// Connections from other loopback addresses (Linux routes all of 127.0.0.0/8 to lo): to a service, each is another
/// client address, so per-address limits can be tested with several clients on one machine.
/// </summary>
public static class LoopbackClient
{
    private static int _last;

    /// <summary>A loopback address no other test uses (127.1.x.y).</summary>
    public static IPAddress NewAddress()
    {
        var n = Interlocked.Increment(ref _last);
        return new IPAddress([127, 1, (byte)(n / 250), (byte)(n % 250 + 1)]);
    }

    /// <summary>An HttpClient for the service whose every connection comes from <paramref name="source"/>.</summary>
    public static HttpClient From(IPAddress source, Uri service) =>
        new(new SocketsHttpHandler { ConnectCallback = (context, cancellationToken) => ConnectStreamAsync(source, context.DnsEndPoint, cancellationToken) })
        {
            BaseAddress = service,
            Timeout = TimeSpan.FromSeconds(60),
        };

    /// <summary>A raw TCP connection to the service from <paramref name="source"/>, for requests HttpClient would not send.</summary>
    public static ValueTask<Stream> ConnectAsync(IPAddress source, Uri service, CancellationToken cancellationToken = default) =>
        ConnectStreamAsync(source, new DnsEndPoint(service.Host, service.Port), cancellationToken);

    private static async ValueTask<Stream> ConnectStreamAsync(IPAddress source, DnsEndPoint target, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(target, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
