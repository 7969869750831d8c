using Inbox.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Inbox.Api.Conversations;

public static class ConversationsApi
{
    public sealed record ContactView(Guid Id, string? Name, string? WaId);

    public sealed record ConversationView(
        Guid Id, Guid ChannelId, ContactView Contact, string Status, DateTimeOffset? LastMessageAt,
        string? LastMessagePreview, int UnreadCount, DateTimeOffset? LastInboundAt);

    public sealed record MessageView(
        Guid Id, Guid ConversationId, string? Wamid, string Direction, string Type, string? Text, DateTimeOffset SentAt);

    public static void MapConversationsApi(this IEndpointRouteBuilder app)
    {
        // Every query below runs for the caller's tenant only: the EF query filter and PostgreSQL RLS both apply.
        var group = app.MapGroup("/api/conversations").RequireAuthorization().WithTags("Conversations");
        group.MapGet("/", List);
        group.MapGet("/{id:guid}", Get);
        group.MapGet("/{id:guid}/messages", Messages);
    }

    /// <summary>The tenant's conversations, most recent activity first.</summary>
    private static async Task<Results<Ok<List<ConversationView>>, ValidationProblem>> List(
        InboxDbContext db, int? limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 200)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["Between 1 and 200."] });
        var conversations = await db.Conversations
            .OrderByDescending(c => c.LastMessageAt).ThenByDescending(c => c.Id)
            .Take(limit ?? 50)
            .Select(c => new ConversationView(c.Id, c.ChannelId, new ContactView(c.ContactId, c.Contact!.Name, c.Contact.WaId),
                c.Status, c.LastMessageAt, c.LastMessagePreview, c.UnreadCount, c.LastInboundAt))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(conversations);
    }

    private static async Task<Results<Ok<ConversationView>, NotFound>> Get(
        Guid id, InboxDbContext db, CancellationToken cancellationToken)
    {
        var conversation = await db.Conversations
            .Where(c => c.Id == id)
            .Select(c => new ConversationView(c.Id, c.ChannelId, new ContactView(c.ContactId, c.Contact!.Name, c.Contact.WaId),
                c.Status, c.LastMessageAt, c.LastMessagePreview, c.UnreadCount, c.LastInboundAt))
            .FirstOrDefaultAsync(cancellationToken);
        return conversation is null ? TypedResults.NotFound() : TypedResults.Ok(conversation);
    }

    /// <summary>A conversation's messages, newest first. Another tenant's conversation is 404, like a missing one.</summary>
    private static async Task<Results<Ok<List<MessageView>>, NotFound, ValidationProblem>> Messages(
        Guid id, InboxDbContext db, int? limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 200)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["Between 1 and 200."] });
        if (!await db.Conversations.AnyAsync(c => c.Id == id, cancellationToken)) return TypedResults.NotFound();
        var messages = await db.Messages
            .Where(m => m.ConversationId == id)
            .OrderByDescending(m => m.SentAt).ThenByDescending(m => m.Id)
            .Take(limit ?? 50)
            .Select(m => new MessageView(m.Id, m.ConversationId, m.Wamid, m.Direction, m.Type, m.Text, m.SentAt))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(messages);
    }
}
