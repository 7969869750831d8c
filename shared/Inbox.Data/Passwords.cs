using Inbox.Data.Entities;
using Microsoft.AspNetCore.Identity;

namespace Inbox.Data;

/// <summary>Password hashes in ASP.NET Core Identity's format (PBKDF2, salted, versioned).</summary>
public static class Passwords
{
    private static readonly PasswordHasher<User> Hasher = new();

    /// <summary>Verified against when no account has the address, so both failures take the same time.</summary>
    private static readonly string DummyHash = Hasher.HashPassword(null!, "not-a-real-password");

    public static string Hash(string password) => Hasher.HashPassword(null!, password);

    /// <summary>Whether the password matches the hash; with no hash (an unknown account) it is checked all the same and fails.</summary>
    public static bool Verify(string? hash, string password) =>
        Hasher.VerifyHashedPassword(null!, hash ?? DummyHash, password) != PasswordVerificationResult.Failed && hash is not null;
}
