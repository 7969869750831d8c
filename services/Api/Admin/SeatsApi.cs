using System.Security.Claims;
using Inbox.Data;
using Inbox.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Inbox.Api.Admin;

/// <summary>The tenant's seats: how many are used and free; the limit is the owners' to change.</summary>
public static class SeatsApi
{
    public sealed record SeatsRequest(int? Limit, bool? CountPendingInvites);

    public const int MaxSeats = NewTenantRules.MaxSeats;

    public static void MapSeatsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapAdminGroup("Admin: seats");
        group.MapGet("/seats", Get).WithSummary("Seats used, free and the limit");
        group.MapPut("/seats", Put).WithSummary("Change the seat limit and whether pending invites count (owners only)");
    }

    private static async Task<Ok<SeatsView>> Get(InboxDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await db.CountAsync(cancellationToken));

    private static async Task<Results<Ok<SeatsView>, ProblemHttpResult, ValidationProblem>> Put(
        SeatsRequest request, InboxDbContext db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (!user.IsOwner()) return Problems.OwnerOnly();
        if (request.Limit is not (>= 1 and <= MaxSeats)) return Problems.Invalid("limit", $"Between 1 and {MaxSeats}.");

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.LockTenantAsync(cancellationToken);
        var tenant = await db.Tenants.SingleAsync(cancellationToken);
        var before = new { limit = tenant.SeatLimit, countPendingInvites = tenant.CountPendingInvites };
        var proposed = await db.CountAsync(cancellationToken, request.Limit, request.CountPendingInvites);
        if (proposed.Used > proposed.Limit)
            return Problems.Status(StatusCodes.Status409Conflict, Problems.Conflict, "Limit below the seats in use",
                $"{proposed.Used} seats are in use; deactivate members or revoke invites before lowering the limit to {proposed.Limit}.",
                new Dictionary<string, object?> { ["seatsUsed"] = proposed.Used, ["seatLimit"] = tenant.SeatLimit });

        tenant.SeatLimit = proposed.Limit;
        tenant.CountPendingInvites = proposed.CountPendingInvites;
        if (before.limit != tenant.SeatLimit || before.countPendingInvites != tenant.CountPendingInvites)
            db.Audit(user.UserId(), AuditActions.SeatsChanged, "tenant", tenant.Id, before,
                new { limit = tenant.SeatLimit, countPendingInvites = tenant.CountPendingInvites });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(proposed);
    }
}
