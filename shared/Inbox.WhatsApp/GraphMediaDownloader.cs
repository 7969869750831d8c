namespace Inbox.WhatsApp;

/// <summary>
/// Fetches the bytes behind a media URL Meta handed out (GET /{media-id} → url). Meta wants the channel's bearer
/// token and a User-Agent on that URL too, and the size is capped while streaming.
/// </summary>
// A plain HttpClient, not Refit: the URL is absolute and on another host (Meta's CDN), not under the Graph base address.
public sealed class GraphMediaDownloader(HttpClient http)
{
    public async Task<byte[]> DownloadAsync(string accessToken, string url, long maxBytes, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new("Bearer", accessToken);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (await GraphApiException.FromResponseAsync(response, cancellationToken) is { } error) throw error;
        if (response.Content.Headers.ContentLength > maxBytes) throw TooLarge(maxBytes, response);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes) throw TooLarge(maxBytes, response);
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static GraphApiException TooLarge(long maxBytes, HttpResponseMessage response) =>
        new(131052, $"The media is larger than {maxBytes} bytes.", null, null, (int)response.StatusCode);
}
