using Inbox.Contracts;
using Inbox.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Inbox.Api.Conversations;

public static class ConversationsApi
{
    public static void MapConversationsApi(this IEndpointRouteBuilder app)
    {
        // Every query below runs for the caller's tenant only: the EF query filter and PostgreSQL RLS both apply.
        var group = app.MapGroup("/api/conversations").RequireAuthorization().WithTags("Conversations");
        group.MapGet("/", List);
        group.MapGet("/{id:guid}", Get);
        group.MapGet("/{id:guid}/messages", Messages);
    }

    /// <summary>The tenant's conversations, most recent activity first.</summary>
    private static async Task<Results<Ok<List<ConversationSnapshot>>, ValidationProblem>> List(
        InboxDbContext db, int? limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 200)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["Between 1 and 200."] });
        var conversations = await db.Conversations
            .OrderByDescending(c => c.LastMessageAt).ThenByDescending(c => c.Id)
            .Take(limit ?? 50)
            .Select(Snapshots.Conversation)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(conversations);
    }

    private static async Task<Results<Ok<ConversationSnapshot>, NotFound>> Get(
        Guid id, InboxDbContext db, CancellationToken cancellationToken)
    {
        var conversation = await db.Conversations.Where(c => c.Id == id).Select(Snapshots.Conversation)
            .FirstOrDefaultAsync(cancellationToken);
        return conversation is null ? TypedResults.NotFound() : TypedResults.Ok(conversation);
    }

    /// <summary>A conversation's messages, newest first. Another tenant's conversation is 404, like a missing one.</summary>
    private static async Task<Results<Ok<List<MessageSnapshot>>, NotFound, ValidationProblem>> Messages(
        Guid id, InboxDbContext db, int? limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 200)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["Between 1 and 200."] });
        if (!await db.Conversations.AnyAsync(c => c.Id == id, cancellationToken)) return TypedResults.NotFound();
        var query = db.Messages
            .Where(m => m.ConversationId == id)
            .OrderByDescending(m => m.SentAt).ThenByDescending(m => m.Id)
            .Take(limit ?? 50);
        return TypedResults.Ok(await Snapshots.MessagesAsync(query, db, cancellationToken));
    }
}
