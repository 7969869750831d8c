using System.Security.Claims;
using Inbox.Contracts;
using Inbox.Data;
using Inbox.Api.RateLimits;
using Inbox.Data.Entities;
using Inbox.Data.Outbox;
using Inbox.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Inbox.Api.Auth;

public static class AuthApi
{
    public sealed record LoginRequest(string? Email, string? Password, string? Tenant);

    public sealed record RefreshRequest(string? RefreshToken);

    public sealed record LoginResponse(
        string AccessToken, DateTimeOffset ExpiresAt, string RefreshToken, DateTimeOffset RefreshExpiresAt,
        Guid UserId, string Name, Guid TenantId, string TenantSlug, string Role);

    public sealed record MeResponse(
        Guid UserId, string Name, string Email, string Role, Guid TenantId, string TenantSlug, string TenantName, Guid SessionId);

    public static void MapAuthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/auth").WithTags("Auth");
        group.MapPost("/login", Login).AllowAnonymous().RequireRateLimiting(ApiRateLimits.Login)
            .WithSummary("Email and password → an access token (15 min) and a refresh token for one tenant");
        group.MapPost("/refresh", Refresh).AllowAnonymous()
            .WithSummary("Rotate a refresh token: the old one is used up; reusing it ends the session");
        group.MapPost("/logout", Logout).RequireAuthorization()
            .WithSummary("End the caller's session: its refresh token and access tokens stop working at once");
        app.MapGet("/api/me", Me).RequireAuthorization().WithTags("Auth").WithSummary("Who the caller is, in which tenant and role");
    }

    /// <summary>
    /// Email and password → tokens for one tenant. A person in several tenants names one (by slug).
    /// Wrong email and wrong password get the same 401, so the answer does not tell which part was wrong. An address
    /// with too many failures is refused (429) before its password is hashed (<see cref="LoginBackoff"/>).
    /// </summary>
    private static async Task<Results<Ok<LoginResponse>, ValidationProblem, ProblemHttpResult>> Login(
        LoginRequest request, NpgsqlDataSource dataSource, AccessTokenIssuer issuer, InboxDbContext db, TenantContext tenant,
        LoginBackoff backoff, HttpResponse response, CancellationToken cancellationToken)
    {
        var validation = new Validation()
            .Check(!string.IsNullOrWhiteSpace(request.Email), "email", "Email is required.")
            .Check(!string.IsNullOrEmpty(request.Password), "password", "Password is required.");
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);

        if (backoff.TryBegin(request.Email!) is { } wait) return Problems.TooManyFailedLogins(response, wait);
        var user = await AccountLookup.FindUserAsync(dataSource, request.Email!.Trim(), cancellationToken);
        var verified = Passwords.Verify(user?.PasswordHash, request.Password!); // checked even without an account: same time
        if (user is not { } account || !verified)
        {
            backoff.Failed(request.Email);
            return Problems.InvalidCredentials();
        }
        backoff.Succeeded(request.Email);

        var memberships = (await AccountLookup.ActiveMembershipsAsync(dataSource, account.Id, cancellationToken))
            .Where(m => request.Tenant is null || string.Equals(m.Slug, request.Tenant, StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (memberships.Count == 0) return Problems.InvalidCredentials();
        if (memberships.Count > 1)
            return Problems.Invalid("tenant",
                $"This account works in several tenants; name one of: {string.Join(", ", memberships.Select(m => m.Slug))}.");

        var membership = memberships[0];
        tenant.Set(membership.TenantId);
        return TypedResults.Ok(await Sessions.StartAsync(db, issuer, account.Id, account.Name, request.Email.Trim(),
            membership.TenantId, membership.Slug, membership.Role, cancellationToken));
    }

    /// <summary>
    /// A refresh token → a new access token and a new refresh token in the same session (<see cref="RefreshRotation"/>
    /// decides). Every failure is the same 401. A reuse revokes the session and closes its live connections
    /// (SessionEnded, committed with the revocation, never without it).
    /// </summary>
    private static async Task<Results<Ok<LoginResponse>, ValidationProblem, ProblemHttpResult>> Refresh(
        RefreshRequest request, AccessTokenIssuer issuer, InboxDbContext db, TenantContext tenant, OutboxSignal outbox,
        NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.RefreshToken)) return Problems.Invalid("refreshToken", "The refresh token is required.");
        var hash = AccessTokenIssuer.Hash(request.RefreshToken);
        if (await AccountLookup.RefreshTokenTenantAsync(dataSource, hash, cancellationToken) is not { } tenantId) return InvalidRefreshToken();
        tenant.Set(tenantId); // from here on under the tenant's row-level security

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var presented = await db.RefreshTokens.FromSql($"select * from refresh_tokens where token_hash = {hash} for update")
            .SingleAsync(cancellationToken);
        var session = await db.AuthSessions.FromSql($"select * from auth_sessions where id = {presented.SessionId} for update")
            .SingleAsync(cancellationToken);
        var successor = presented.ReplacedBy is { } next ? await db.RefreshTokens.SingleOrDefaultAsync(t => t.TokenHash == next, cancellationToken) : null;
        var role = await db.Memberships.Where(m => m.UserId == session.UserId && m.Active).Select(m => m.Role).SingleOrDefaultAsync(cancellationToken);
        var now = DateTimeOffset.UtcNow;
        var decision = RefreshRotation.Decide(
            new(presented.UsedAt, presented.ExpiresAt, successor is { UsedAt: null }, session.RevokedAt is not null, role is not null),
            now, issuer.Settings.RefreshRetryGrace);

        if (decision.RetireSuccessor) successor!.UsedAt = now;
        if (decision.RevokeSession) session.RevokedAt ??= now;
        if (decision.Outcome == RefreshRotation.Outcome.Reused)
            db.Outbox.Add(OutboxEvents.Create(tenantId, new SessionEnded(tenantId, session.Id)));
        LoginResponse? login = null;
        if (decision.Outcome == RefreshRotation.Outcome.Rotated)
        {
            var (newToken, newHash) = AccessTokenIssuer.NewRefreshToken();
            var refreshExpiresAt = now.Add(issuer.Settings.RefreshTokenLifetime);
            presented.UsedAt ??= now; // the first use: retries do not stretch the grace
            presented.ReplacedBy = newHash;
            db.RefreshTokens.Add(new RefreshToken
            {
                TokenHash = newHash, SessionId = session.Id, TenantId = tenantId, ExpiresAt = refreshExpiresAt, CreatedAt = now,
            });
            var user = await db.Users.AsNoTracking().Where(u => u.Id == session.UserId).Select(u => new { u.DisplayName, u.Email })
                .SingleAsync(cancellationToken);
            var slug = await db.Tenants.AsNoTracking().Select(t => t.Slug).SingleAsync(cancellationToken);
            var (token, expiresAt) = issuer.Issue(session.UserId, user.DisplayName, user.Email, tenantId, role!, session.Id);
            login = new LoginResponse(token, expiresAt, newToken, refreshExpiresAt, session.UserId, user.DisplayName, tenantId, slug, role!);
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (decision.Outcome == RefreshRotation.Outcome.Reused) outbox.Notify();
        return login is null ? InvalidRefreshToken() : TypedResults.Ok(login);
    }

    private static ProblemHttpResult InvalidRefreshToken() =>
        TypedResults.Problem("The refresh token is not valid (unknown, expired, already used or revoked).",
            statusCode: StatusCodes.Status401Unauthorized, title: "Invalid refresh token", type: "urn:inbox:problem:invalid-refresh-token");

    /// <summary>
    /// Revokes the caller's session: its refresh tokens and its access tokens fail from the next request on, and its
    /// hub connections are closed (SessionEnded, in the same transaction). Other sessions of the same user go on.
    /// </summary>
    private static async Task<NoContent> Logout(ClaimsPrincipal user, InboxDbContext db, OutboxSignal outbox, CancellationToken cancellationToken)
    {
        var sessionId = user.SessionId()!.Value;
        var tenantId = user.TenantId()!.Value;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var ended = await db.AuthSessions.Where(s => s.Id == sessionId && s.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.RevokedAt, DateTimeOffset.UtcNow), cancellationToken);
        if (ended > 0)
        {
            db.Outbox.Add(OutboxEvents.Create(tenantId, new SessionEnded(tenantId, sessionId)));
            await db.SaveChangesAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        if (ended > 0) outbox.Notify();
        return TypedResults.NoContent();
    }

    private static async Task<Ok<MeResponse>> Me(ClaimsPrincipal user, InboxDbContext db, CancellationToken cancellationToken)
    {
        var userId = user.RequiredUserId();
        var me = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => new { u.DisplayName, u.Email }).SingleAsync(cancellationToken);
        var tenant = await db.Tenants.AsNoTracking().Select(t => new { t.Id, t.Slug, t.Name }).SingleAsync(cancellationToken);
        return TypedResults.Ok(new MeResponse(userId, me.DisplayName, me.Email, user.FindFirstValue(InboxClaims.Role)!,
            tenant.Id, tenant.Slug, tenant.Name, user.SessionId()!.Value));
    }
}
