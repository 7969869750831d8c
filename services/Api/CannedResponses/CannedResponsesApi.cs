using System.Security.Claims;
using Inbox.Data;
using Inbox.Data.Entities;
using Inbox.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Inbox.Api.CannedResponses;

public static class CannedResponsesApi
{
    /// <summary>scope: "tenant" (everyone's; owners and admins only) or "personal" (the caller's own).</summary>
    public sealed record CannedResponseRequest(string? ShortCode, string? Content, string? Scope);

    public sealed record CannedResponseView(Guid Id, string ShortCode, string Content, string Scope, Guid? OwnerUserId,
        DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

    public static void MapCannedResponsesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/canned-responses").RequireAuthorization().WithTags("Canned responses");
        group.MapGet("/", List).WithSummary("Tenant-wide canned responses and the caller's personal ones; q searches code and text");
        group.MapGet("/{id:guid}", Get).WithSummary("One canned response");
        group.MapPost("/", Create).WithSummary("Create one (tenant-wide: owners and admins only)");
        group.MapPut("/{id:guid}", Update).WithSummary("Change one (tenant-wide: owners and admins only)");
        group.MapDelete("/{id:guid}", Delete).WithSummary("Delete one (tenant-wide: owners and admins only)");
    }

    private static CannedResponseView View(CannedResponse c) =>
        new(c.Id, c.ShortCode, c.Content, c.OwnerUserId is null ? "tenant" : "personal", c.OwnerUserId, c.CreatedAt, c.UpdatedAt);

    /// <summary>What the caller may see: tenant-wide ones and their own; another agent's personal ones do not exist for them.</summary>
    private static IQueryable<CannedResponse> Visible(InboxDbContext db, ClaimsPrincipal user)
    {
        var me = user.RequiredUserId();
        return db.CannedResponses.Where(c => c.OwnerUserId == null || c.OwnerUserId == me);
    }

    private static async Task<Results<Ok<List<CannedResponseView>>, ValidationProblem>> List(
        InboxDbContext db, ClaimsPrincipal user, string? q, CancellationToken cancellationToken)
    {
        if (q is not null && q.Trim().Length is < 1 or > 200) return Problems.Invalid("q", "Between 1 and 200 characters.");
        var query = Visible(db, user).AsNoTracking();
        if (q is not null)
        {
            var pattern = LikePattern.Containing(q);
            query = query.Where(c => EF.Functions.ILike(c.ShortCode, pattern, "\\") || EF.Functions.ILike(c.Content, pattern, "\\"));
        }
        var rows = await query.OrderBy(c => c.ShortCode).ThenBy(c => c.Id).Take(500).ToListAsync(cancellationToken);
        return TypedResults.Ok(rows.Select(View).ToList());
    }

    private static async Task<Results<Ok<CannedResponseView>, ProblemHttpResult>> Get(
        Guid id, InboxDbContext db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var row = await Visible(db, user).AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
        return row is null ? Problems.NotFound("The canned response") : TypedResults.Ok(View(row));
    }

    private static Validation Validate(CannedResponseRequest r, bool scopeRequired) => new Validation()
        .Check(r.ShortCode is { } code && code.Trim().Length is >= 1 and <= 50 && !code.Any(char.IsWhiteSpace), "shortCode",
            "1 to 50 characters, no spaces.")
        .Check(r.Content is { } content && content.Trim().Length >= 1 && content.Length <= 4096 && !content.Contains('\0'), "content",
            "1 to 4096 characters.")
        .Check(scopeRequired ? r.Scope is "tenant" or "personal" : r.Scope is null or "tenant" or "personal", "scope", "tenant or personal.");

    private static async Task<Results<Created<CannedResponseView>, ProblemHttpResult, ValidationProblem>> Create(
        CannedResponseRequest request, InboxDbContext db, ClaimsPrincipal user, TenantContext tenant, CancellationToken cancellationToken)
    {
        var validation = Validate(request, scopeRequired: true);
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        if (request.Scope == "tenant" && !user.IsAdmin()) return Problems.AdminOnly();
        var now = DateTimeOffset.UtcNow;
        var row = new CannedResponse
        {
            Id = Guid.CreateVersion7(), TenantId = tenant.RequiredTenantId,
            OwnerUserId = request.Scope == "personal" ? user.RequiredUserId() : null,
            ShortCode = request.ShortCode!.Trim(), Content = request.Content!, CreatedAt = now, UpdatedAt = now,
        };
        db.CannedResponses.Add(row);
        if (await SaveAsync(db, cancellationToken) is { } conflict) return conflict;
        return TypedResults.Created($"/api/canned-responses/{row.Id}", View(row));
    }

    private static async Task<Results<Ok<CannedResponseView>, ProblemHttpResult, ValidationProblem>> Update(
        Guid id, CannedResponseRequest request, InboxDbContext db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var validation = Validate(request, scopeRequired: false);
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        var row = await Visible(db, user).FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (row is null) return Problems.NotFound("The canned response");
        if (row.OwnerUserId is null && !user.IsAdmin()) return Problems.AdminOnly();
        if (request.Scope is { } scope && scope != (row.OwnerUserId is null ? "tenant" : "personal"))
            return Problems.Invalid("scope", "The scope of a canned response cannot change; create a new one.");
        row.ShortCode = request.ShortCode!.Trim();
        row.Content = request.Content!;
        row.UpdatedAt = DateTimeOffset.UtcNow;
        if (await SaveAsync(db, cancellationToken) is { } conflict) return conflict;
        return TypedResults.Ok(View(row));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        Guid id, InboxDbContext db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var row = await Visible(db, user).FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (row is null) return Problems.NotFound("The canned response");
        if (row.OwnerUserId is null && !user.IsAdmin()) return Problems.AdminOnly();
        db.CannedResponses.Remove(row);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<ProblemHttpResult?> SaveAsync(InboxDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return null;
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return Problems.Status(StatusCodes.Status409Conflict, Problems.Conflict, "Short code taken",
                "A canned response with this short code already exists in the same scope.");
        }
    }
}
