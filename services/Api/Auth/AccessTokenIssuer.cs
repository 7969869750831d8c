using System.Security.Claims;
using System.Security.Cryptography;
using Inbox.Hosting;
using Inbox.Tenancy;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Inbox.Api.Auth;

/// <summary>Signs the short-lived access token that carries the user, their tenant, role and session.</summary>
public sealed class AccessTokenIssuer(JwtSettings settings, TimeProvider time)
{
    private readonly JsonWebTokenHandler _handler = new();

    public JwtSettings Settings => settings;

    public (string Token, DateTimeOffset ExpiresAt) Issue(
        Guid userId, string name, string email, Guid tenantId, string role, Guid sessionId)
    {
        var now = time.GetUtcNow();
        var expiresAt = now.Add(settings.AccessTokenLifetime);
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = settings.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expiresAt.UtcDateTime,
            SigningCredentials = new SigningCredentials(settings.SigningKey, SecurityAlgorithms.HmacSha256),
            Subject = new ClaimsIdentity(
            [
                new Claim(InboxClaims.Subject, userId.ToString()),
                new Claim(InboxClaims.Tenant, tenantId.ToString()),
                new Claim(InboxClaims.Role, role),
                new Claim(InboxClaims.Name, name),
                new Claim(InboxClaims.Email, email),
                new Claim(InboxClaims.Session, sessionId.ToString()),
            ]),
        });
        return (token, expiresAt);
    }

    /// <summary>A new refresh token: 32 random bytes for the client, only their SHA-256 kept by the server.</summary>
    public static (string Token, byte[] Hash) NewRefreshToken()
    {
        var token = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        return (token, Hash(token));
    }

    public static byte[] Hash(string refreshToken) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(refreshToken));
}
