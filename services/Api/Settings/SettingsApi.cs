using System.Security.Claims;
using Inbox.Api.Admin;
using Inbox.Data;
using Inbox.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Inbox.Api.Settings;

/// <summary>The tenant's own settings and its members (for assignment).</summary>
public static class SettingsApi
{
    /// <summary>readReceipts: tell WhatsApp when an agent reads. autoResolveAfterMinutes: resolve after that much
    /// inactivity (null: never).</summary>
    public sealed record TenantSettings(bool ReadReceipts, int? AutoResolveAfterMinutes);

    public sealed record MemberView(Guid UserId, string Name, string Email, string Role, bool Active);

    public static void MapSettingsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").RequireAuthorization().WithTags("Tenant");
        group.MapGet("/settings", Get).WithSummary("The tenant's settings");
        group.MapPut("/settings", Put).WithSummary("Change the tenant's settings (owners and admins only)");
        group.MapGet("/members", Members).WithSummary("The tenant's members, e.g. to pick an assignee");
    }

    private static async Task<Ok<TenantSettings>> Get(InboxDbContext db, CancellationToken cancellationToken)
    {
        var tenant = await db.Tenants.AsNoTracking().SingleAsync(cancellationToken);
        return TypedResults.Ok(new TenantSettings(tenant.ReadReceipts, (int?)tenant.AutoResolveAfter?.TotalMinutes));
    }

    private static async Task<Results<Ok<TenantSettings>, ProblemHttpResult, ValidationProblem>> Put(
        TenantSettings request, InboxDbContext db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (!user.IsAdmin()) return Problems.AdminOnly();
        if (request.AutoResolveAfterMinutes is < 1 or > 525_600)
            return Problems.Invalid("autoResolveAfterMinutes", "Between 1 minute and a year (525600), or null for never.");
        var tenant = await db.Tenants.SingleAsync(cancellationToken);
        var before = new TenantSettings(tenant.ReadReceipts, (int?)tenant.AutoResolveAfter?.TotalMinutes);
        tenant.ReadReceipts = request.ReadReceipts;
        tenant.AutoResolveAfter = request.AutoResolveAfterMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : null;
        if (before != request) db.Audit(user.UserId(), AuditActions.SettingsChanged, "tenant", tenant.Id, before, request);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(request);
    }

    private static async Task<Ok<List<MemberView>>> Members(InboxDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await db.Memberships.AsNoTracking().OrderBy(m => m.User!.DisplayName)
            .Select(m => new MemberView(m.UserId, m.User!.DisplayName, m.User.Email, m.Role, m.Active)).ToListAsync(cancellationToken));
}
