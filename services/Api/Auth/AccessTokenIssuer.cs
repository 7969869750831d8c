using System.Security.Claims;
using Inbox.Hosting;
using Inbox.Tenancy;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Inbox.Api.Auth;

/// <summary>Signs the short-lived access token that carries the user, their tenant and their role.</summary>
public sealed class AccessTokenIssuer(JwtSettings settings, TimeProvider time)
{
    private readonly JsonWebTokenHandler _handler = new();

    public (string Token, DateTimeOffset ExpiresAt) Issue(Guid userId, string name, string email, Guid tenantId, string role)
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
            ]),
        });
        return (token, expiresAt);
    }
}
