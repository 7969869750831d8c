using System.Text.Json;
using Inbox.Contracts;
using Inbox.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Inbox.Api.Contacts;

public static class ContactsApi
{
    /// <summary>Only the fields given change. attributes replaces the contact's JSON object of attributes.</summary>
    public sealed record UpdateContactRequest(string? Name, JsonElement? Attributes);

    public static void MapContactsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/contacts").RequireAuthorization().WithTags("Contacts");
        group.MapGet("/", List).WithSummary("The tenant's contacts, newest first; q searches name and number");
        group.MapGet("/{id:guid}", Get).WithSummary("One contact");
        group.MapPatch("/{id:guid}", Update).WithSummary("Change a contact's name and/or attributes");
    }

    private static async Task<Results<Ok<Page<ContactSnapshot>>, ValidationProblem>> List(
        InboxDbContext db, string? q, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var validation = new Validation()
            .Check(q is null || q.Trim().Length is >= 1 and <= 200, "q", "Between 1 and 200 characters.")
            .Check(limit, cursor);
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        var query = db.Contacts.AsNoTracking();
        if (q is not null)
        {
            var pattern = LikePattern.Containing(q);
            query = query.Where(c => EF.Functions.ILike(c.Name!, pattern, "\\") || EF.Functions.ILike(c.WaId!, pattern, "\\")
                                     || EF.Functions.ILike(c.Bsuid!, pattern, "\\"));
        }
        if (Cursor.TryDecode(cursor, out var after))
            query = query.Where(c => c.CreatedAt < after.At || (c.CreatedAt == after.At && c.Id < after.Id));
        var take = limit ?? Cursor.DefaultLimit;
        var rows = await query.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id).Take(take + 1).ToListAsync(cancellationToken);
        string? next = null;
        if (rows.Count > take)
        {
            rows.RemoveAt(take);
            next = Cursor.Encode(rows[^1].CreatedAt, rows[^1].Id);
        }
        return TypedResults.Ok(new Page<ContactSnapshot>(rows.Select(Snapshots.Contact).ToList(), next));
    }

    private static async Task<Results<Ok<ContactSnapshot>, ProblemHttpResult>> Get(Guid id, InboxDbContext db, CancellationToken cancellationToken)
    {
        var contact = await db.Contacts.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
        return contact is null ? Problems.NotFound("The contact") : TypedResults.Ok(Snapshots.Contact(contact));
    }

    private static async Task<Results<Ok<ContactSnapshot>, ProblemHttpResult, ValidationProblem>> Update(
        Guid id, UpdateContactRequest request, InboxDbContext db, CancellationToken cancellationToken)
    {
        var attributes = request.Attributes is { ValueKind: not JsonValueKind.Undefined } a ? a.GetRawText() : null;
        var validation = new Validation()
            .Check(request.Name is null || request.Name.Trim().Length is >= 1 and <= 200 && !request.Name.Contains('\0'), "name",
                "Between 1 and 200 characters.")
            .Check(request.Attributes is null or { ValueKind: JsonValueKind.Object }, "attributes", "A JSON object.")
            .Check(attributes is null || attributes.Length <= 16_384, "attributes", "At most 16 KB.")
            .Check(attributes is null || !attributes.Contains("\\u0000", StringComparison.Ordinal), "attributes", "No NUL characters.")
            .Check(request.Name is not null || request.Attributes is not null, "name", "Nothing to change: give name and/or attributes.");
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        var contact = await db.Contacts.FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (contact is null) return Problems.NotFound("The contact");
        if (request.Name is not null) contact.Name = request.Name.Trim();
        if (attributes is not null) contact.Attributes = attributes;
        contact.UpdatedAt = DateTimeOffset.UtcNow;
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(Snapshots.Contact(contact));
    }
}
