using Inbox.Data;
using Inbox.Data.Entities;

namespace Inbox.Api.Auth;

/// <summary>Sessions begin here, for a login and for an accepted invite alike.</summary>
public static class Sessions
{
    /// <summary>
    /// Starts a session for a member of the current tenant: the session row and its first refresh token (saved with
    /// whatever else the unit of work holds), then the access token.
    /// </summary>
    public static async Task<AuthApi.LoginResponse> StartAsync(InboxDbContext db, AccessTokenIssuer issuer, Guid userId, string name,
        string email, Guid tenantId, string tenantSlug, string role, CancellationToken cancellationToken)
    {
        var session = new AuthSession { Id = Guid.CreateVersion7(), TenantId = tenantId, UserId = userId, CreatedAt = DateTimeOffset.UtcNow };
        db.AuthSessions.Add(session);
        var (refreshToken, hash) = AccessTokenIssuer.NewRefreshToken();
        var refreshExpiresAt = DateTimeOffset.UtcNow.Add(issuer.Settings.RefreshTokenLifetime);
        db.RefreshTokens.Add(new RefreshToken
        {
            TokenHash = hash, SessionId = session.Id, TenantId = tenantId, ExpiresAt = refreshExpiresAt, CreatedAt = session.CreatedAt,
        });
        await db.SaveChangesAsync(cancellationToken);

        var (token, expiresAt) = issuer.Issue(userId, name, email, tenantId, role, session.Id);
        return new AuthApi.LoginResponse(token, expiresAt, refreshToken, refreshExpiresAt, userId, name, tenantId, tenantSlug, role);
    }
}
