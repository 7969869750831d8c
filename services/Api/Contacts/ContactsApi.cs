using Inbox.Api.Conversations;
using System.Security.Claims;
using System.Text.Json;
using Inbox.Contracts;
using Inbox.Data;
using Inbox.Data.Entities;
using Inbox.Data.Outbox;
using Inbox.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Inbox.Api.Contacts;

public static class ContactsApi
{
    /// <summary>
    /// Only the fields given change: name (a string, or null for none), attributes (an object merged into the
    /// contact's). JsonElement, not string?, so that a null given is told from a field left out.
    /// </summary>
    public sealed record UpdateContactRequest(JsonElement Name, JsonElement Attributes);

    public static void MapContactsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/contacts").RequireAuthorization().WithTags("Contacts");
        group.MapGet("/", List).WithSummary("The tenant's contacts, newest first; q searches name and number");
        group.MapGet("/{id:guid}", Get).WithSummary("One contact");
        group.MapPatch("/{id:guid}", Update).WithSummary("Name the contact (an agent's name sticks) and/or set or remove attributes");
        group.MapGet("/{id:guid}/conversations", Conversations).WithSummary("The contact's conversations, most recent activity first");
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
            query = query.Where(c => EF.Functions.ILike(c.Name!, pattern, "\\") || EF.Functions.ILike(c.ProfileName!, pattern, "\\")
                                     || EF.Functions.ILike(c.WaId!, pattern, "\\")
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

    /// <summary>
    /// The contact's conversations, most recent activity first: one per WhatsApp number of the tenant the customer
    /// wrote to (a customer writing again reopens theirs), each as the caller sees it in the list.
    /// </summary>
    private static async Task<Results<Ok<Page<ConversationSnapshot>>, ProblemHttpResult, ValidationProblem>> Conversations(
        Guid id, InboxDbContext db, ClaimsPrincipal user, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var validation = new Validation().Check(limit, cursor);
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        if (!await db.Contacts.AnyAsync(c => c.Id == id, cancellationToken)) return Problems.NotFound("The contact");
        return TypedResults.Ok(await ConversationViews.PageAsync(db.Conversations.Where(c => c.ContactId == id), db, user.RequiredUserId(),
            limit ?? ConversationsPageSize, cursor, cancellationToken));
    }

    private const int ConversationsPageSize = 20;

    /// <summary>
    /// name: an agent's name for the customer, which the WhatsApp profile name of later messages never replaces
    /// (null: none, show the profile name again). attributes: merged, see <see cref="ContactAttributes"/>.
    /// A change of the name shown is a conversation:updated of each of the contact's conversations, so every
    /// agent's list and thread show it.
    /// </summary>
    private static async Task<Results<Ok<ContactSnapshot>, ProblemHttpResult, ValidationProblem>> Update(
        Guid id, UpdateContactRequest request, InboxDbContext db, OutboxSignal signal, CancellationToken cancellationToken)
    {
        var name = request.Name.ValueKind == JsonValueKind.String ? request.Name.GetString()!.Trim() : null;
        var validation = new Validation()
            .Check(request.Name.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.String, "name",
                "A string, or null to show the WhatsApp profile name again.")
            .Check(request.Name.ValueKind != JsonValueKind.String || name!.Length is >= 1 and <= 200 && !name.Any(char.IsControl), "name",
                "Between 1 and 200 characters, none of them control characters.")
            .CheckPatch(request.Attributes)
            .Check(request.Name.ValueKind != JsonValueKind.Undefined || request.Attributes.ValueKind != JsonValueKind.Undefined, "name",
                "Nothing to change: give name and/or attributes.");
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);

        Contact? contact = null;
        var refused = await db.WriteEventsAsync<Results<Ok<ContactSnapshot>, ProblemHttpResult, ValidationProblem>?>(signal, [], async cancellationToken =>
        {
            // The contact, then its conversations: ingest's lock order (resolve_contact, then touch_conversation).
            await db.Database.ExecuteSqlAsync($"select 1 from contacts where id = {id} for update", cancellationToken);
            contact = await db.Contacts.FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
            if (contact is null) return Problems.NotFound("The contact");
            if (request.Attributes.ValueKind == JsonValueKind.Object)
            {
                if (ContactAttributes.Merge(contact.Attributes, request.Attributes) is not { } merged)
                    return Problems.Invalid(ContactAttributes.Field, $"A contact has at most {ContactAttributes.MaxCount} attributes.");
                contact.Attributes = merged;
            }
            var shown = contact.Name ?? contact.ProfileName;
            if (request.Name.ValueKind != JsonValueKind.Undefined) contact.Name = name;
            contact.UpdatedAt = DateTimeOffset.UtcNow;
            if ((contact.Name ?? contact.ProfileName) != shown)
            {
                var conversations = await db.Conversations.Where(c => c.ContactId == id).Select(c => c.Id).ToListAsync(cancellationToken);
                await db.LockConversationsAsync(conversations, cancellationToken);
                await db.SaveChangesAsync(cancellationToken); // the events' snapshots read the new name
                await db.AddConversationUpdatesAsync(conversations, cancellationToken);
            }
            return null;
        }, cancellationToken);
        if (refused is not null) return refused;
        return TypedResults.Ok(Snapshots.Contact(contact!));
    }
}
