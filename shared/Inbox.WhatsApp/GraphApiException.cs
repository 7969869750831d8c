using System.Text.Json;

namespace Inbox.WhatsApp;

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

    /// <summary>
    /// The error an unsuccessful answer carries — Meta's envelope <c>{"error":{"code",…}}</c>, or the start of
    /// whatever else came back — or null for a success. Reading buffers the body, so it can be read again.
    /// </summary>
    public static async Task<GraphApiException?> FromResponseAsync(HttpResponseMessage response, CancellationToken cancellationToken = default)
    {
        if (response.IsSuccessStatusCode) return null;
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
            return new GraphApiException(
                int.TryParse(Json.String(error, "code"), out var code) ? code : null,
                Json.String(error, "message") ?? text,
                Json.Object(error, "error_data") is { } data ? Json.String(data, "details") : null,
                Json.String(error, "fbtrace_id"),
                (int)response.StatusCode);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return new GraphApiException(null, text.Length > 300 ? text[..300] : text, null, null, (int)response.StatusCode);
        }
    }
}
