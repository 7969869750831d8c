using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Inbox.WhatsApp;

/// <summary>Tolerant reads of webhook JSON: one odd value must never cost the rest of the batch.</summary>
public static partial class Json
{
    /// <summary>A string property, or a number's text (ids and timestamps are strings, but tolerate numbers).</summary>
    public static string? String(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value)) return null;
        return value.ValueKind switch
        {
            JsonValueKind.String => Sanitize(ReadString(value)),
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        };
    }

    public static JsonElement? Object(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
        && value.ValueKind == JsonValueKind.Object
            ? value
            : null;

    public static bool Bool(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
        && value.ValueKind == JsonValueKind.True;

    public static double? Number(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
        && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number)
            ? number
            : double.TryParse(String(element, name), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;

    /// <summary>Unix seconds, sent as a string ("1749416383") or, by some fields, a number.</summary>
    public static DateTimeOffset? UnixTime(JsonElement element, string name) =>
        long.TryParse(String(element, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
        && seconds is > 0 and < 253_402_300_800
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    /// <summary>PostgreSQL text cannot hold NUL; drop it rather than fail the item.</summary>
    public static string Sanitize(string text) =>
        text.Contains('\0', StringComparison.Ordinal) ? text.Replace("\0", "", StringComparison.Ordinal) : text;

    /// <summary>
    /// The raw JSON of an item, safe for jsonb: PostgreSQL refuses \u0000 and lone surrogate escapes, which Meta can
    /// send inside user text. They become nothing and U+FFFD.
    /// </summary>
    public static string SanitizeRaw(string rawJson) =>
        LoneSurrogateEscape().Replace(rawJson.Replace("\\u0000", "", StringComparison.Ordinal), "\\ufffd");

    /// <summary>
    /// System.Text.Json refuses a lone surrogate escape ("\ud83d" alone) and bytes that are not UTF-8. Decode such a
    /// string by hand, each broken part as U+FFFD, instead of losing the message (or, worse, the whole envelope).
    /// </summary>
    public static string ReadString(JsonElement value)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return Unescape(Encoding.UTF8.GetString(JsonMarshal.GetRawUtf8Value(value)));
        }
    }

    private static string Unescape(string quoted)
    {
        var builder = new StringBuilder(quoted.Length);
        for (var i = 1; i < quoted.Length - 1; i++)
        {
            var c = quoted[i];
            if (c != '\\') { builder.Append(c); continue; }
            var next = quoted[++i];
            switch (next)
            {
                case 'b': builder.Append('\b'); break;
                case 'f': builder.Append('\f'); break;
                case 'n': builder.Append('\n'); break;
                case 'r': builder.Append('\r'); break;
                case 't': builder.Append('\t'); break;
                case 'u':
                    builder.Append((char)int.Parse(quoted.AsSpan(i + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 4;
                    break;
                default: builder.Append(next); break;
            }
        }
        // Pair what pairs; a surrogate left alone becomes U+FFFD.
        var text = builder.ToString().ToCharArray();
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
            if (char.IsSurrogate(text[i])) text[i] = '\uFFFD';
        }
        return new string(text);
    }

    // A high surrogate escape not followed by a low one, or a low one not preceded by a high one.
    [GeneratedRegex(@"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}")]
    private static partial Regex LoneSurrogateEscape();
}
