using System.Linq.Expressions;
using Inbox.Data;
using Inbox.Data.Entities;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Inbox.Api.Admin;

/// <summary>Seats in use: active members, plus pending invites when the tenant counts them.</summary>
public sealed record SeatsView(int Used, int Limit, int Free, int ActiveMembers, int PendingInvites, bool CountPendingInvites);

public static class Seats
{
    /// <summary>
    /// Locks the tenant row until the transaction ends. Every change that takes or frees a seat (invite, accept,
    /// reactivate, a new limit) and every change of roles (the last-owner rule) runs under it, so counting and
    /// writing are one atomic step: 50 concurrent invites against 10 free seats create exactly 10.
    /// FOR NO KEY UPDATE, not FOR UPDATE: it does not block the key-share locks that inserting a conversation or a
    /// message takes on the tenant row through its foreign key.
    /// </summary>
    public static async Task LockTenantAsync(this InboxDbContext db, CancellationToken cancellationToken)
    {
        var tenantId = db.CurrentTenantId ?? throw new InvalidOperationException("No tenant is set.");
        await db.Database.ExecuteSqlAsync($"select 1 from tenants where id = {tenantId} for no key update", cancellationToken);
    }

    public static Expression<Func<Invite, bool>> Pending(DateTimeOffset now) =>
        i => i.AcceptedAt == null && i.RevokedAt == null && i.ExpiresAt > now;

    /// <summary>The tenant's seats now; <paramref name="countPendingInvites"/> overrides the tenant's setting (a change being checked).</summary>
    public static async Task<SeatsView> CountAsync(this InboxDbContext db, CancellationToken cancellationToken,
        int? limit = null, bool? countPendingInvites = null)
    {
        var tenant = await db.Tenants.AsNoTracking().Select(t => new { t.SeatLimit, t.CountPendingInvites }).SingleAsync(cancellationToken);
        var active = await db.Memberships.CountAsync(m => m.Active, cancellationToken);
        var pending = await db.Invites.CountAsync(Pending(DateTimeOffset.UtcNow), cancellationToken);
        var seatLimit = limit ?? tenant.SeatLimit;
        var counted = countPendingInvites ?? tenant.CountPendingInvites;
        var used = active + (counted ? pending : 0);
        return new SeatsView(used, seatLimit, Math.Max(0, seatLimit - used), active, pending, counted);
    }

    /// <summary>409 no-seats, with the figures a client shows.</summary>
    public static ProblemHttpResult NoSeats(SeatsView seats) =>
        Problems.Status(StatusCodes.Status409Conflict, Problems.NoSeats, "No free seat",
            $"All {seats.Limit} seats are in use; raise the seat limit, deactivate a member or revoke an invite.",
            new Dictionary<string, object?> { ["seatsUsed"] = seats.Used, ["seatLimit"] = seats.Limit });
}
