using System.Globalization;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Inbox.Api;

/// <summary>One page of a list, newest first, and the cursor of the next (older) page, if any.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>
/// Keyset cursors: the (timestamp, id) of the last item of a page, opaque to clients. Stable under inserts,
/// cheap at any depth (an index range scan), unlike offsets.
/// </summary>
public static class Cursor
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    public static string Encode(DateTimeOffset at, Guid id) =>
        Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes($"{at.UtcTicks.ToString(CultureInfo.InvariantCulture)}|{id:N}"));

    public static bool TryDecode(string? cursor, out (DateTimeOffset At, Guid Id) position)
    {
        position = default;
        if (string.IsNullOrEmpty(cursor)) return false;
        try
        {
            var parts = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(cursor)).Split('|');
            if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                || !Guid.TryParseExact(parts[1], "N", out var id) || ticks < 0 || ticks > DateTimeOffset.MaxValue.UtcTicks)
                return false;
            position = (new DateTimeOffset(ticks, TimeSpan.Zero), id);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Checks limit and cursor, naming the parameter that is wrong.</summary>
    public static Validation Check(this Validation validation, int? limit, string? cursor, string cursorName = "cursor") =>
        validation
            .Check(limit is null or >= 1 and <= MaxLimit, "limit", $"Between 1 and {MaxLimit}.")
            .Check(cursor is null || TryDecode(cursor, out _), cursorName, "Not a cursor this API returned.");
}
