using System.Text.RegularExpressions;

namespace Inbox.Data;

/// <summary>
/// What a new tenant with its owner must be, checked the same way by POST /api/platform/tenants and
/// `./inbox tenant create`; the fields are the API's names.
/// </summary>
public static partial class NewTenantRules
{
    public const int MaxSeats = 100_000; // the tenants.seat_limit check

    public static IEnumerable<(string Field, string Error)> Check(
        string? name, string? slug, string? ownerEmail, string? ownerName, string? ownerPassword, int? seatLimit)
    {
        if (name?.Trim() is not { Length: >= 1 and <= 100 }) yield return ("name", "1 to 100 characters.");
        if (slug?.Trim() is not { } s || !Slug().IsMatch(s))
            yield return ("slug", "2 to 63 lower-case letters, digits or '-', starting with a letter or digit.");
        if (!AccountRules.IsEmail(ownerEmail?.Trim())) yield return ("ownerEmail", AccountRules.EmailError);
        if (ownerName?.Trim() is not { Length: >= 1 and <= 100 }) yield return ("ownerName", "1 to 100 characters.");
        if (!AccountRules.IsPassword(ownerPassword)) yield return ("ownerPassword", AccountRules.PasswordError);
        if (seatLimit is not (null or (>= 1 and <= MaxSeats))) yield return ("seatLimit", $"Between 1 and {MaxSeats}.");
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,62}$")]
    private static partial Regex Slug();
}
