using System.Security.Claims;
using Inbox.Contracts;
using Inbox.Data;
using Inbox.Data.Entities;
using Inbox.Data.Outbox;
using Inbox.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Inbox.Api.Admin;

/// <summary>
/// Members of the tenant: roles, deactivation (at once: the next API request is 401 and Realtime closes the
/// member's connections) and reactivation (needs a free seat). The tenant always keeps an active owner.
/// </summary>
public static class MembersApi
{
    public sealed record MemberView(Guid UserId, string Email, string Name, string Role, bool Active, DateTimeOffset JoinedAt,
        DateTimeOffset? DeactivatedAt);

    public sealed record MemberList(IReadOnlyList<MemberView> Items, SeatsView Seats);

    public sealed record RoleRequest(string? Role);

    private static readonly string[] AllRoles = [Roles.Owner, Roles.Admin, Roles.Agent];

    public static void MapMembersApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapAdminGroup("Admin: members");
        group.MapGet("/members", List).WithSummary("Every member, active or not, with the seats");
        group.MapPut("/members/{userId:guid}/role", ChangeRole)
            .WithSummary("Change a member's role (only owners grant or take away owner; the last active owner stays)");
        group.MapPost("/members/{userId:guid}/deactivate", Deactivate)
            .WithSummary("Deactivate a member: their API requests and live connections end at once");
        group.MapPost("/members/{userId:guid}/reactivate", Reactivate).WithSummary("Reactivate a member (needs a free seat)");
    }

    private static IQueryable<MemberView> Views(IQueryable<Membership> memberships) =>
        memberships.AsNoTracking().Select(m => new MemberView(m.UserId, m.User!.Email, m.User.DisplayName, m.Role, m.Active,
            m.CreatedAt, m.DeactivatedAt));

    private static Task<MemberView> ViewAsync(InboxDbContext db, Guid userId, CancellationToken cancellationToken) =>
        Views(db.Memberships.Where(m => m.UserId == userId)).SingleAsync(cancellationToken);

    private static async Task<Ok<MemberList>> List(InboxDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(new MemberList(
            await Views(db.Memberships.OrderByDescending(m => m.Active).ThenBy(m => m.User!.DisplayName)).ToListAsync(cancellationToken),
            await db.CountAsync(cancellationToken)));

    private static async Task<Results<Ok<MemberView>, ProblemHttpResult, ValidationProblem>> ChangeRole(
        Guid userId, RoleRequest request, InboxDbContext db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (request.Role is not { } role || !AllRoles.Contains(role))
            return Problems.Invalid("role", "One of owner, admin, agent.");

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.LockTenantAsync(cancellationToken);
        var member = await db.Memberships.SingleOrDefaultAsync(m => m.UserId == userId, cancellationToken);
        if (member is null) return Problems.NotFound("The member");
        if ((member.Role == Roles.Owner || role == Roles.Owner) && !user.IsOwner()) return Problems.OwnerOnly();
        if (member.Role == role) return TypedResults.Ok(await ViewAsync(db, userId, cancellationToken));
        if (member.Role == Roles.Owner && await IsLastActiveOwnerAsync(db, member, cancellationToken))
            return LastOwner("demoted");

        db.Audit(user.UserId(), AuditActions.MemberRoleChanged, "member", userId, new { role = member.Role }, new { role });
        member.Role = role;
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(await ViewAsync(db, userId, cancellationToken));
    }

    /// <summary>
    /// Deactivates in one transaction: the membership, the member's sessions (so a later reactivation does not revive
    /// old tokens), the MemberDeactivated signal through the outbox (Realtime closes their connections) and the audit row.
    /// The per-request session check refuses their very next API request.
    /// </summary>
    private static async Task<Results<Ok<MemberView>, ProblemHttpResult>> Deactivate(
        Guid userId, InboxDbContext db, ClaimsPrincipal user, OutboxSignal outbox, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.LockTenantAsync(cancellationToken);
        var member = await db.Memberships.SingleOrDefaultAsync(m => m.UserId == userId, cancellationToken);
        if (member is null) return Problems.NotFound("The member");
        if (member.Role == Roles.Owner && !user.IsOwner()) return Problems.OwnerOnly();
        if (userId == user.UserId())
            return Problems.ConflictProblem("Cannot deactivate yourself", "Ask another owner or admin to deactivate your membership.");
        if (member.Active)
        {
            if (member.Role == Roles.Owner && await IsLastActiveOwnerAsync(db, member, cancellationToken))
                return LastOwner("deactivated");
            var now = DateTimeOffset.UtcNow;
            member.Active = false;
            member.DeactivatedAt = now;
            await db.AuthSessions.Where(s => s.UserId == userId && s.RevokedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.RevokedAt, now), cancellationToken);
            db.Outbox.Add(OutboxEvents.Create(member.TenantId, new MemberDeactivated(member.TenantId, userId)));
            db.Audit(user.UserId(), AuditActions.MemberDeactivated, "member", userId,
                new { role = member.Role, active = true }, new { role = member.Role, active = false });
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            outbox.Notify();
        }
        return TypedResults.Ok(await ViewAsync(db, userId, cancellationToken));
    }

    private static async Task<Results<Ok<MemberView>, ProblemHttpResult>> Reactivate(
        Guid userId, InboxDbContext db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.LockTenantAsync(cancellationToken);
        var member = await db.Memberships.SingleOrDefaultAsync(m => m.UserId == userId, cancellationToken);
        if (member is null) return Problems.NotFound("The member");
        if (member.Role == Roles.Owner && !user.IsOwner()) return Problems.OwnerOnly();
        if (!member.Active)
        {
            var seats = await db.CountAsync(cancellationToken);
            if (seats.Free == 0) return Seats.NoSeats(seats);
            member.Active = true;
            member.DeactivatedAt = null;
            db.Audit(user.UserId(), AuditActions.MemberReactivated, "member", userId,
                new { role = member.Role, active = false }, new { role = member.Role, active = true });
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        return TypedResults.Ok(await ViewAsync(db, userId, cancellationToken));
    }

    private static async Task<bool> IsLastActiveOwnerAsync(InboxDbContext db, Membership member, CancellationToken cancellationToken) =>
        member.Active && !await db.Memberships.AnyAsync(
            m => m.UserId != member.UserId && m.Role == Roles.Owner && m.Active, cancellationToken);

    private static ProblemHttpResult LastOwner(string what) =>
        Problems.Status(StatusCodes.Status409Conflict, Problems.LastOwner, "Last owner",
            $"The tenant's last active owner cannot be {what}; make another member owner first.");
}
