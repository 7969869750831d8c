using System.Net.Mail;

namespace Inbox.Data;

/// <summary>
/// What an e-mail address and a password must be, wherever an account is made: a tenant's owner (the platform API and
/// `./inbox tenant create`) and an accepted invite.
/// </summary>
public static class AccountRules
{
    public const int MinPasswordLength = 8;
    public const string EmailError = "A valid email address is required.";
    public static readonly string PasswordError = $"At least {MinPasswordLength} characters.";

    /// <summary>One plain address (no display name, no list), as it would be typed, of at most 254 characters.</summary>
    public static bool IsEmail(string? email) =>
        email is { Length: > 3 and <= 254 } && MailAddress.TryCreate(email, out var parsed) && parsed.Address == email;

    public static bool IsPassword(string? password) => password is { Length: >= MinPasswordLength };
}
