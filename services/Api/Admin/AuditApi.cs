using System.Text.Json;
using Inbox.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Inbox.Api.Admin;

/// <summary>The tenant's audit trail, newest first, for owners and admins.</summary>
public static class AuditApi
{
    public sealed record AuditView(Guid Id, DateTimeOffset At, Guid? ActorUserId, string? ActorName, string Action, string TargetType,
        string? TargetId, JsonElement? Before, JsonElement? After);

    public static void MapAuditApi(this IEndpointRouteBuilder app) =>
        app.MapAdminGroup("Admin: audit").MapGet("/audit", List).WithSummary("Admin actions, newest first (keyset pages)");

    private static async Task<Results<Ok<Page<AuditView>>, ValidationProblem>> List(
        int? limit, string? cursor, InboxDbContext db, CancellationToken cancellationToken)
    {
        var validation = new Validation().Check(limit, cursor);
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        var take = limit ?? Cursor.DefaultLimit;
        var query = db.AuditLog.AsNoTracking();
        if (Cursor.TryDecode(cursor, out var after))
            query = query.Where(a => a.At < after.At || (a.At == after.At && a.Id < after.Id));
        var rows = await query.OrderByDescending(a => a.At).ThenByDescending(a => a.Id).Take(take + 1)
            .Select(a => new { a.Id, a.At, a.ActorUserId, ActorName = a.Actor!.DisplayName, a.Action, a.TargetType, a.TargetId, a.Before, a.After })
            .ToListAsync(cancellationToken);
        var items = rows.Take(take).Select(a => new AuditView(a.Id, a.At, a.ActorUserId, a.ActorName, a.Action, a.TargetType, a.TargetId,
            Parse(a.Before), Parse(a.After))).ToList();
        return TypedResults.Ok(new Page<AuditView>(items, rows.Count > take ? Cursor.Encode(items[^1].At, items[^1].Id) : null));
    }

    private static JsonElement? Parse(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
}
