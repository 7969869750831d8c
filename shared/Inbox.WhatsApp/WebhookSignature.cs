using System.Security.Cryptography;
using System.Text;

namespace Inbox.WhatsApp;

/// <summary>
/// Meta's X-Hub-Signature-256: "sha256=" + hex HMAC-SHA256 of the raw body bytes under the app secret.
/// Always over the bytes exactly as received — never re-serialized JSON (Meta escapes non-ASCII as \uXXXX).
/// </summary>
public static class WebhookSignature
{
    public const string HeaderName = "X-Hub-Signature-256";
    private const string Prefix = "sha256=";

    /// <summary>True when the header matches the body under any of the secrets (two during an app-secret reset).</summary>
    public static bool IsValid(ReadOnlySpan<byte> body, string? header, IReadOnlyList<byte[]> secrets)
    {
        Span<byte> claimed = stackalloc byte[32];
        if (!TryParse(header, claimed)) return false;

        Span<byte> actual = stackalloc byte[32];
        var valid = false;
        foreach (var secret in secrets)
        {
            HMACSHA256.HashData(secret, body, actual);
            valid |= CryptographicOperations.FixedTimeEquals(actual, claimed);
        }
        return valid;
    }

    /// <summary>"sha256=" and 64 hex digits: a header that could verify some body (checked before the body is read).</summary>
    public static bool IsWellFormed(string? header)
    {
        Span<byte> claimed = stackalloc byte[32];
        return TryParse(header, claimed);
    }

    private static bool TryParse(string? header, Span<byte> claimed)
    {
        if (header is null || !header.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        var hex = header.AsSpan(Prefix.Length);
        return hex.Length == 64
               && Convert.FromHexString(hex, claimed, out _, out var written) == System.Buffers.OperationStatus.Done
               && written == 32;
    }

    /// <summary>The header value Meta would send for this body (used by the simulator and tests).</summary>
    public static string Sign(ReadOnlySpan<byte> body, string secret) =>
        Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
}
