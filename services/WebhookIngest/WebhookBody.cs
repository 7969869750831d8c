using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Inbox.WebhookIngest;

/// <summary>
/// Reading a webhook's body before its signature is checked, without letting an unauthenticated sender make the
/// server hold much: a request whose X-Hub-Signature-256 is not even well-formed is refused before its body is read,
/// a declared Content-Length over 3 MB before any of it arrives, and the buffer grows with the bytes that actually
/// arrive (from at most <see cref="FirstBuffer"/>), so a slow sender promising 3 MB holds what it has sent, not
/// 3 MB. Kestrel drops a body that arrives slower than Ingest:MinBodyBytesPerSecond (after a 5 s grace; 0: no minimum).
/// </summary>
public static class WebhookBody
{
    /// <summary>Allocated at once; Meta's webhooks are almost all smaller, so they are read with no copy at all.</summary>
    public const int FirstBuffer = 64 * 1024;

    public static WebApplicationBuilder LimitWebhookBodyRate(this WebApplicationBuilder builder)
    {
        var bytesPerSecond = builder.Configuration.GetValue<double?>("Ingest:MinBodyBytesPerSecond") ?? 64 * 1024;
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MinRequestBodyDataRate =
            bytesPerSecond > 0 ? new MinDataRate(bytesPerSecond, TimeSpan.FromSeconds(5)) : null);
        return builder;
    }

    /// <summary>
    /// The body as sent, or null when it is larger than Meta's 3 MB. With a Content-Length the array ends exactly
    /// that long (no final copy); a chunked body is trimmed once at the end.
    /// </summary>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var declared = request.ContentLength;
        if (declared > WebhookSettings.MaxBodyBytes) return null;
        // Without a Content-Length, one byte past the limit tells "too large" from "exactly 3 MB".
        var limit = (int)(declared ?? WebhookSettings.MaxBodyBytes + 1);
        var buffer = new byte[Math.Min(limit, FirstBuffer)];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length == limit) break;
                Array.Resize(ref buffer, (int)Math.Min(limit, 2L * length));
            }
            var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0) break;
            length += read;
        }
        if (length > WebhookSettings.MaxBodyBytes) return null;
        return length == buffer.Length ? buffer : buffer[..length];
    }
}
