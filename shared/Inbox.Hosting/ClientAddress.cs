using System.Net;
using Microsoft.AspNetCore.Http;

namespace Inbox.Hosting;

/// <summary>
/// The address a per-client rate limit counts against: the connection's remote address (behind a reverse proxy, set
/// ASPNETCORE_FORWARDEDHEADERS_ENABLED=true so that it is the client's from X-Forwarded-For). IPv6 counts by its
/// /64, the prefix one subscriber gets: otherwise every address of it would be a fresh client.
/// </summary>
public static class ClientAddress
{
    public static IPAddress Of(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null) return IPAddress.None;
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4();
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6) return address;
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes);
    }
}
