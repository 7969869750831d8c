using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Inbox.WhatsApp;

/// <summary>A business number as Meta describes it: GET /{phone-number-id} and the entries of GET /{waba-id}/phone_numbers.</summary>
/// <param name="DisplayPhoneNumber">As Meta formats it, e.g. "+1 555-000-1111".</param>
public sealed record GraphPhoneNumber(string Id, string? DisplayPhoneNumber, string? VerifiedName);

/// <summary>What a media id resolves to: a short-lived download URL (about 5 minutes) and the file's facts.</summary>
public sealed record GraphMedia(string Url, string? MimeType, string? Sha256, long? FileSize);

/// <summary>
/// The WhatsApp Cloud (Graph) API as Inbox uses it. Base URL and version are configuration: Meta in production,
/// the project's Cloud API simulator in development and tests. (The part Refit would generate; not served here.)
/// </summary>
public interface IGraphApiClient
{
    Task<GraphMedia> GetMediaAsync(string accessToken, string mediaId, CancellationToken cancellationToken);

    /// <summary>Downloads from a media URL; Meta requires the bearer token and a User-Agent on that URL too.</summary>
    Task<byte[]> DownloadMediaAsync(string accessToken, string url, long maxBytes, CancellationToken cancellationToken);

    /// <summary>
    /// POST /{phone_number_id}/messages. A 200 means accepted (a wamid), not delivered: statuses follow by webhook.
    /// Meta has no idempotency key, so a send that timed out may or may not have been accepted.
    /// </summary>
    Task<SendResult> SendMessageAsync(string accessToken, string phoneNumberId, OutboundMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// GET /{phone-number-id}: the number as this token sees it. A token that cannot reach it gets 190 (not a valid
    /// token) or 100 subcode 33 (no such object for this token).
    /// </summary>
    Task<GraphPhoneNumber> GetPhoneNumberAsync(string accessToken, string phoneNumberId, CancellationToken cancellationToken);

    /// <summary>GET /{waba-id}/phone_numbers, every page: the numbers of a WhatsApp Business Account this token sees.</summary>
    Task<IReadOnlyList<GraphPhoneNumber>> GetPhoneNumbersAsync(string accessToken, string wabaId, CancellationToken cancellationToken);

    /// <summary>Marks a customer's message (and the ones before it) as read: the customer sees blue ticks.</summary>
    Task MarkReadAsync(string accessToken, string phoneNumberId, string wamid, CancellationToken cancellationToken);
}

/// <summary>A Graph API error, read from Meta's envelope; branch on <see cref="Code"/>, never on the HTTP status.</summary>
public sealed class GraphApiException(int? code, string message, string? details, string? fbTraceId, int httpStatus)
    : Exception($"Graph API error {code?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} (HTTP {httpStatus}): {message}")
{
    public int? Code { get; } = code;

    /// <summary>Meta's own message, e.g. "(#131047) Re-engagement message".</summary>
    public string GraphMessage { get; } = message;
    public string? Details { get; } = details;
    public string? FbTraceId { get; } = fbTraceId;
    public int HttpStatus { get; } = httpStatus;

    /// <summary>Throttling, maintenance and unknown errors pass; bad parameters, tokens and permissions do not.</summary>
    public bool IsTransient => Code is 1 or 2 or 4 or 80007 or 130429 or 131000 or 131016 or 131056 or 131057
                               || (Code is null && HttpStatus >= 500);
}

public sealed class GraphApiClient(HttpClient http, GraphApiOptions options) : IGraphApiClient
{
    public async Task<GraphMedia> GetMediaAsync(string accessToken, string mediaId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{options.BaseUrl.TrimEnd('/')}/{options.Version}/{Uri.EscapeDataString(mediaId)}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await http.SendAsync(request, cancellationToken);
        await ThrowIfErrorAsync(response, cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        var url = Json.String(body, "url") ?? throw new GraphApiException(null, "The media lookup returned no url.", null, null, (int)response.StatusCode);
        return new GraphMedia(url, Json.String(body, "mime_type"), Json.String(body, "sha256"),
            long.TryParse(Json.String(body, "file_size"), out var size) ? size : null);
    }

    public async Task<GraphPhoneNumber> GetPhoneNumberAsync(string accessToken, string phoneNumberId, CancellationToken cancellationToken)
    {
        var body = await GetAsync(accessToken, $"{Uri.EscapeDataString(phoneNumberId)}?fields={PhoneNumberFields}", cancellationToken);
        return PhoneNumber(body) ?? throw new GraphApiException(null, "The number lookup returned no id.", null, null, 200);
    }

    public async Task<IReadOnlyList<GraphPhoneNumber>> GetPhoneNumbersAsync(string accessToken, string wabaId, CancellationToken cancellationToken)
    {
        const int MaxPages = 20; // Meta pages by 25 or so; a WABA has a handful of numbers
        var numbers = new List<GraphPhoneNumber>();
        string? next = $"{Uri.EscapeDataString(wabaId)}/phone_numbers?fields={PhoneNumberFields}";
        for (var page = 0; page < MaxPages && next is not null; page++)
        {
            var body = await GetAsync(accessToken, next, cancellationToken);
            if (body.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array)
                numbers.AddRange(data.EnumerateArray().Select(PhoneNumber).OfType<GraphPhoneNumber>());
            // The next page is an absolute URL; the token goes only to the Graph API it came from.
            next = Json.Object(body, "paging") is { } paging && Json.String(paging, "next") is { } url
                   && url.StartsWith(options.BaseUrl.TrimEnd('/') + "/", StringComparison.OrdinalIgnoreCase)
                ? url
                : null;
        }
        return numbers;
    }

    private const string PhoneNumberFields = "id,display_phone_number,verified_name";

    private static GraphPhoneNumber? PhoneNumber(JsonElement number) =>
        Json.String(number, "id") is { } id ? new GraphPhoneNumber(id, Json.String(number, "display_phone_number"), Json.String(number, "verified_name")) : null;

    /// <summary>A GET of a path under the version, or of a paging URL Meta handed out.</summary>
    private async Task<JsonElement> GetAsync(string accessToken, string pathOrUrl, CancellationToken cancellationToken)
    {
        var url = pathOrUrl.StartsWith(options.BaseUrl.TrimEnd('/') + "/", StringComparison.OrdinalIgnoreCase)
            ? pathOrUrl
            : $"{options.BaseUrl.TrimEnd('/')}/{options.Version}/{pathOrUrl}";
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await http.SendAsync(request, cancellationToken);
        await ThrowIfErrorAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
    }

    public async Task<byte[]> DownloadMediaAsync(string accessToken, string url, long maxBytes, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await ThrowIfErrorAsync(response, cancellationToken);
        if (response.Content.Headers.ContentLength > maxBytes)
            throw new GraphApiException(131052, $"The media is larger than {maxBytes} bytes.", null, null, (int)response.StatusCode);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
                throw new GraphApiException(131052, $"The media is larger than {maxBytes} bytes.", null, null, (int)response.StatusCode);
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    public async Task<SendResult> SendMessageAsync(
        string accessToken, string phoneNumberId, OutboundMessage message, CancellationToken cancellationToken)
    {
        var body = await PostMessagesAsync(accessToken, phoneNumberId, message.ToJson(), cancellationToken);
        var messages = body.TryGetProperty("messages", out var m) && m.ValueKind == JsonValueKind.Array && m.GetArrayLength() > 0 ? m[0] : default;
        var wamid = Json.String(messages, "id")
            ?? throw new GraphApiException(null, "The send was answered without a message id.", null, null, 200);
        var contact = body.TryGetProperty("contacts", out var c) && c.ValueKind == JsonValueKind.Array && c.GetArrayLength() > 0 ? c[0] : default;
        return new SendResult(wamid, Json.String(messages, "message_status"), Json.String(contact, "wa_id"));
    }

    public async Task MarkReadAsync(string accessToken, string phoneNumberId, string wamid, CancellationToken cancellationToken) =>
        await PostMessagesAsync(accessToken, phoneNumberId,
            JsonSerializer.Serialize(new { messaging_product = "whatsapp", status = "read", message_id = wamid }), cancellationToken);

    private async Task<JsonElement> PostMessagesAsync(string accessToken, string phoneNumberId, string json, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post,
            $"{options.BaseUrl.TrimEnd('/')}/{options.Version}/{Uri.EscapeDataString(phoneNumberId)}/messages")
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await http.SendAsync(request, cancellationToken);
        await ThrowIfErrorAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
    }

    private static async Task ThrowIfErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode) return;
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
            throw new GraphApiException(
                int.TryParse(Json.String(error, "code"), out var code) ? code : null,
                Json.String(error, "message") ?? text,
                Json.Object(error, "error_data") is { } data ? Json.String(data, "details") : null,
                Json.String(error, "fbtrace_id"),
                (int)response.StatusCode);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new GraphApiException(null, text.Length > 300 ? text[..300] : text, null, null, (int)response.StatusCode);
        }
    }
}

/// <summary>WhatsApp:GraphBaseUrl (default https://graph.facebook.com) and WhatsApp:GraphVersion (default v24.0).</summary>
public sealed record GraphApiOptions(string BaseUrl, string Version);
