using System.Security.Claims;
using System.Security.Cryptography;
using Inbox.Api.Auth;
using Inbox.Api.RateLimits;
using Inbox.Data;
using Inbox.Data.Entities;
using Inbox.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace Inbox.Api.Admin;

/// <summary>
/// Invitations: an owner or admin invites an address with a role; the invitee opens the link and accepts with a name
/// and password (or their existing password) and is logged in. The token is shown once and only its SHA-256 is
/// stored; it works once, for 7 days. Inviting takes a seat when pending invites count (the tenant's setting);
/// accepting always needs one.
/// </summary>
public static class InvitesApi
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);

    public sealed record InviteRequest(string? Email, string? Role);

    public sealed record InviteView(Guid Id, string Email, string Role, string InvitedBy, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);

    public sealed record InviteList(IReadOnlyList<InviteView> Items);

    public sealed record CreatedInvite(Guid Id, string Email, string Role, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt,
        string Token, string AcceptUrl);

    public sealed record PublicInvite(string Email, string Role, string TenantName, DateTimeOffset ExpiresAt);

    public sealed record AcceptRequest(string? Name, string? Password);

    public static void MapInvitesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapAdminGroup("Admin: invites");
        group.MapGet("/invites", List).WithSummary("Pending invites");
        group.MapPost("/invites", Create).WithSummary("Invite an address as admin or agent (takes a seat when pending invites count)");
        group.MapDelete("/invites/{id:guid}", Revoke).WithSummary("Revoke a pending invite");

        var open = app.MapGroup("/api/invites").AllowAnonymous().RequireRateLimiting(ApiRateLimits.Invites).WithTags("Invites");
        open.MapGet("/{token}", Show).WithSummary("What an invite link is for (anonymous)");
        open.MapPost("/{token}/accept", Accept).WithSummary("Accept an invite: become a member and log in (anonymous)");
    }

    private static async Task<Ok<InviteList>> List(InboxDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(new InviteList(await db.Invites.AsNoTracking().Where(Seats.Pending(DateTimeOffset.UtcNow))
            .OrderByDescending(i => i.CreatedAt)
            .Select(i => new InviteView(i.Id, i.Email, i.Role, i.Inviter!.DisplayName, i.CreatedAt, i.ExpiresAt))
            .ToListAsync(cancellationToken)));

    private static async Task<Results<Created<CreatedInvite>, ProblemHttpResult, ValidationProblem>> Create(
        InviteRequest request, InboxDbContext db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var email = request.Email?.Trim();
        var validation = new Validation()
            .Check(AccountRules.IsEmail(email), "email", AccountRules.EmailError)
            .Check(request.Role is Roles.Admin or Roles.Agent, "role", "admin or agent (owners are made by changing a member's role).");
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.LockTenantAsync(cancellationToken);
        var now = DateTimeOffset.UtcNow;
        var lowered = email!.ToLowerInvariant();
#pragma warning disable CA1862 // EF Core translates ToLower() to SQL lower(); string.Equals(…, StringComparison) it cannot
        if (await db.Memberships.AnyAsync(m => m.User!.Email.ToLower() == lowered, cancellationToken))
            return Problems.ConflictProblem("Already a member",
                $"{email} is already a member of this tenant (a deactivated member is reactivated instead).");
        if (await db.Invites.Where(Seats.Pending(now)).AnyAsync(i => i.Email.ToLower() == lowered, cancellationToken))
            return Problems.ConflictProblem("Already invited", $"{email} has a pending invite; revoke it to invite again.");
        var seats = await db.CountAsync(cancellationToken);
        if (seats.Free == 0) return Seats.NoSeats(seats);

        // An expired invite of the same address is closed, so the one-open-invite-per-address index holds.
        await db.Invites.Where(i => i.Email.ToLower() == lowered && i.AcceptedAt == null && i.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.RevokedAt, now), cancellationToken);
#pragma warning restore CA1862
        var token = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var invite = new Invite
        {
            Id = Guid.CreateVersion7(),
            TenantId = db.CurrentTenantId!.Value,
            Email = email,
            Role = request.Role!,
            TokenHash = AccessTokenIssuer.Hash(token),
            InvitedBy = user.RequiredUserId(),
            CreatedAt = now,
            ExpiresAt = now.Add(Lifetime),
        };
        db.Invites.Add(invite);
        db.Audit(user.UserId(), AuditActions.InviteCreated, "invite", invite.Id, null,
            new { email, role = invite.Role, expiresAt = invite.ExpiresAt });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Created($"/api/admin/invites/{invite.Id}",
            new CreatedInvite(invite.Id, email, invite.Role, now, invite.ExpiresAt, token, $"/invite/{token}"));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Revoke(
        Guid id, InboxDbContext db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var invite = await db.Invites.SingleOrDefaultAsync(i => i.Id == id, cancellationToken);
        if (invite is null) return Problems.NotFound("The invite");
        if (invite.AcceptedAt is not null)
            return Problems.ConflictProblem("Already accepted", "The invite was accepted; deactivate the member instead.");
        if (invite.RevokedAt is null)
        {
            invite.RevokedAt = DateTimeOffset.UtcNow;
            db.Audit(user.UserId(), AuditActions.InviteRevoked, "invite", id, new { email = invite.Email, role = invite.Role, revoked = false },
                new { email = invite.Email, role = invite.Role, revoked = true });
            await db.SaveChangesAsync(cancellationToken);
        }
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<PublicInvite>, ProblemHttpResult>> Show(
        string token, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var invite = await LookupAsync(dataSource, token, cancellationToken);
        if (invite is null) return Problems.NotFound("The invite");
        if (Gone(invite) is { } gone) return gone;
        return TypedResults.Ok(new PublicInvite(invite.Email, invite.Role, invite.TenantName, invite.ExpiresAt));
    }

    /// <summary>
    /// Accepts in one transaction under the tenant lock: the invite is re-read and used up (a second accept gets
    /// 410), a seat is checked, the user is created (or, for an address that already has an account, their password
    /// checked), the membership added, the audit row written, and a session started.
    /// </summary>
    private static async Task<Results<Ok<AuthApi.LoginResponse>, ProblemHttpResult, ValidationProblem>> Accept(
        string token, AcceptRequest request, NpgsqlDataSource dataSource, InboxDbContext db, TenantContext tenant,
        AccessTokenIssuer issuer, LoginBackoff backoff, HttpResponse response, CancellationToken cancellationToken)
    {
        var found = await LookupAsync(dataSource, token, cancellationToken);
        if (found is null) return Problems.NotFound("The invite");
        if (Gone(found) is { } gone) return gone;
        if (string.IsNullOrEmpty(request.Password)) return Problems.Invalid("password", "The password is required.");

        var existing = await AccountLookup.FindUserAsync(dataSource, found.Email, cancellationToken);
        if (existing is null)
        {
            var validation = new Validation()
                .Check(!string.IsNullOrWhiteSpace(request.Name) && request.Name.Trim().Length <= 100, "name", "A name of 1 to 100 characters is required.")
                .Check(AccountRules.IsPassword(request.Password), "password", AccountRules.PasswordError);
            if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        }
        else
        {
            // The address has an account: only its owner may accept, and this is a password guess like a login's.
            if (backoff.TryBegin(found.Email) is { } wait) return Problems.TooManyFailedLogins(response, wait);
            if (!Passwords.Verify(existing.Value.PasswordHash, request.Password))
            {
                backoff.Failed(found.Email);
                return Problems.InvalidCredentials();
            }
            backoff.Succeeded(found.Email);
        }

        tenant.Set(found.TenantId);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.LockTenantAsync(cancellationToken);
        var invite = await db.Invites.SingleAsync(i => i.Id == found.InviteId, cancellationToken);
        var now = DateTimeOffset.UtcNow;
        if (invite.AcceptedAt is not null || invite.RevokedAt is not null || invite.ExpiresAt <= now) return InviteGone();
        if (existing is { } known && await db.Memberships.AnyAsync(m => m.UserId == known.Id, cancellationToken))
            return Problems.ConflictProblem("Already a member", "This account is already a member of the tenant.");
        var seats = await db.CountAsync(cancellationToken);
        var usedByOthers = seats.Used - (seats.CountPendingInvites ? 1 : 0); // this invite's own seat, if it held one
        if (usedByOthers >= seats.Limit) return Seats.NoSeats(seats);

        var userId = existing?.Id ?? Guid.CreateVersion7();
        var name = existing?.Name ?? request.Name!.Trim();
        if (existing is null)
        {
            db.Users.Add(new User
            {
                Id = userId, Email = invite.Email, DisplayName = name, PasswordHash = Passwords.Hash(request.Password),
                CreatedAt = now,
            });
            await db.SaveChangesAsync(cancellationToken); // first: EF does not know every foreign key to users (accepted_by, sessions)
        }
        db.Memberships.Add(new Membership { TenantId = invite.TenantId, UserId = userId, Role = invite.Role, CreatedAt = now });
        invite.AcceptedAt = now;
        invite.AcceptedBy = userId;
        db.Audit(userId, AuditActions.InviteAccepted, "member", userId, null, new { email = invite.Email, role = invite.Role, inviteId = invite.Id });
        await db.SaveChangesAsync(cancellationToken);
        var slug = await db.Tenants.AsNoTracking().Select(t => t.Slug).SingleAsync(cancellationToken);
        var login = await Sessions.StartAsync(db, issuer, userId, name, invite.Email, invite.TenantId, slug, invite.Role, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(login);
    }

    private sealed record FoundInvite(Guid InviteId, Guid TenantId, string TenantName, string Email, string Role, DateTimeOffset ExpiresAt,
        DateTimeOffset? AcceptedAt, DateTimeOffset? RevokedAt);

    /// <summary>Before any tenant is known: the SECURITY DEFINER lookup by the token's hash.</summary>
    private static async Task<FoundInvite?> LookupAsync(NpgsqlDataSource dataSource, string token, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "select invite_id, tenant_id, tenant_name, email, role, expires_at, accepted_at, revoked_at from invite_lookup($1)");
        command.Parameters.Add(new() { Value = AccessTokenIssuer.Hash(token) });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return new FoundInvite(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
            reader.GetFieldValue<DateTimeOffset>(5), reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
            reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7));
    }

    private static ProblemHttpResult? Gone(FoundInvite invite) =>
        invite.AcceptedAt is not null || invite.RevokedAt is not null || invite.ExpiresAt <= DateTimeOffset.UtcNow ? InviteGone() : null;

    private static ProblemHttpResult InviteGone() =>
        Problems.Status(StatusCodes.Status410Gone, Problems.InviteGone, "Invite no longer valid",
            "This invite was already used, revoked, or has expired; ask for a new one.");
}
