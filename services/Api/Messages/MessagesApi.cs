using System.Text.Json;
using Inbox.Contracts;
using Inbox.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Inbox.Api.Messages;

public static class MessagesApi
{
    /// <summary>
    /// type: text | image | video | audio | document | sticker | template | reaction | note. text: the body (text,
    /// note) — media take a link or an uploadId (a file of the caller's from POST /api/uploads, of that type), a
    /// caption, a filename; template takes template; reaction takes reaction.
    /// replyToMessageId quotes a message; basedOnMessageId is the latest message the agent saw (409 if no longer).
    /// </summary>
    public sealed record SendMessageRequest(
        string? Type,
        string? Text,
        bool? PreviewUrl,
        string? Link,
        string? Caption,
        string? Filename,
        TemplateRequest? Template,
        ReactionRequest? Reaction,
        Guid? ReplyToMessageId,
        Guid? BasedOnMessageId,
        Guid? UploadId = null);

    /// <summary>A template of the number's business account by name and language (e.g. en_US), with Meta's send components.</summary>
    public sealed record TemplateRequest(string? Name, string? Language, JsonElement? Components);

    /// <summary>An emoji on a message of the conversation; an empty emoji removes the business's reaction.</summary>
    public sealed record ReactionRequest(Guid? MessageId, string? Emoji);

    public static void MapMessagesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").RequireAuthorization().WithTags("Messages");
        group.MapGet("/conversations/{id:guid}/messages", History)
            .WithSummary("A conversation's messages, newest first; pass nextCursor as before for older ones");
        group.MapPost("/conversations/{id:guid}/messages", SendMessage.Send)
            .WithSummary("Send a message (queued for WhatsApp) or write a private note; requires an Idempotency-Key header");
        group.MapGet("/messages/{id:guid}", GetMessage).WithSummary("One message, with its current status");
    }

    private static async Task<Results<Ok<Page<MessageSnapshot>>, ProblemHttpResult, ValidationProblem>> History(
        Guid id, InboxDbContext db, int? limit, string? before, CancellationToken cancellationToken)
    {
        var validation = new Validation().Check(limit, before, "before");
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        if (!await db.Conversations.AnyAsync(c => c.Id == id, cancellationToken)) return Problems.NotFound("The conversation");
        var query = db.Messages.Where(m => m.ConversationId == id);
        if (Cursor.TryDecode(before, out var position))
            query = query.Where(m => m.SentAt < position.At || (m.SentAt == position.At && m.Id < position.Id));
        var take = limit ?? Cursor.DefaultLimit;
        var items = await Snapshots.MessagesAsync(
            query.OrderByDescending(m => m.SentAt).ThenByDescending(m => m.Id).Take(take + 1), db, cancellationToken);
        string? next = null;
        if (items.Count > take)
        {
            items.RemoveAt(take);
            next = Cursor.Encode(items[^1].SentAt, items[^1].Id);
        }
        return TypedResults.Ok(new Page<MessageSnapshot>(items, next));
    }

    private static async Task<Results<Ok<MessageSnapshot>, ProblemHttpResult>> GetMessage(
        Guid id, InboxDbContext db, CancellationToken cancellationToken)
    {
        var messages = await Snapshots.MessagesAsync(db.Messages.Where(m => m.Id == id), db, cancellationToken);
        return messages.Count == 0 ? Problems.NotFound("The message") : TypedResults.Ok(messages[0]);
    }
}
