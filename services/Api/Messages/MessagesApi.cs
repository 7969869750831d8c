using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Inbox.Contracts;
using Inbox.Data;
using Inbox.Data.Entities;
using Inbox.Data.Outbox;
using Inbox.Tenancy;
using Inbox.WhatsApp;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Inbox.Api.Messages;

public static class MessagesApi
{
    public const string IdempotencyHeader = "Idempotency-Key";
    private const int MaxText = 4096;

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
        group.MapPost("/conversations/{id:guid}/messages", Send)
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

    /// <summary>
    /// Stores the message as queued, with its SendWhatsAppMessage command and its events, in one transaction;
    /// Workers send it. The same Idempotency-Key (per agent) returns the same message and never sends twice; the
    /// same key with another body is 422. Free-form messages need the customer's 24-hour window (409 when closed;
    /// templates are allowed); a template must be an approved one of the number's business account (422) and its
    /// components must fill it (400); basedOnMessageId that is no longer the latest is 409.
    /// </summary>
    private static async Task<Results<Created<MessageSnapshot>, Ok<MessageSnapshot>, ProblemHttpResult, ValidationProblem>> Send(
        Guid id, SendMessageRequest request, [FromHeader(Name = IdempotencyHeader)] string? idempotencyKey,
        InboxDbContext db, OutboxSignal signal, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(idempotencyKey) || idempotencyKey.Length > 255)
            return Problems.Invalid(IdempotencyHeader, "An Idempotency-Key header of 1 to 255 characters is required.");
        var me = user.RequiredUserId();
        var requestHash = Convert.ToHexStringLower(SHA256.HashData(
            JsonSerializer.SerializeToUtf8Bytes(new { conversationId = id, request })));

        if (await ReplayAsync(db, me, idempotencyKey, requestHash, cancellationToken) is { } replay) return replay;
        var validation = Validate(request);
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);

        Message message;
        try
        {
            // The conversation locked first (see ConversationLock) also serializes retries of one Idempotency-Key, so
            // the second finds the first's message instead of racing it into the unique index, and sends to one
            // conversation stay in order with their basedOn check.
            var outcome = await db.WriteEventsAsync(signal, [id],
                token => StoreAsync(id, request, idempotencyKey, requestHash, me, db, token), cancellationToken);
            if (outcome.Replay)
                return await ReplayAsync(db, me, idempotencyKey, requestHash, cancellationToken)
                       ?? throw new InvalidOperationException("The idempotent message vanished.");
            if (outcome.Problem is { } problem) return problem;
            if (outcome.Invalid is { } invalid) return invalid;
            message = outcome.Message!;
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "ux_messages_idempotency" })
        {
            // A concurrent retry with the same key won the race: answer with its message.
            db.ChangeTracker.Clear();
            return await ReplayAsync(db, me, idempotencyKey, requestHash, cancellationToken)
                   ?? throw new InvalidOperationException("The idempotent message vanished.", ex);
        }
        return TypedResults.Created($"/api/messages/{message.Id}", Snapshots.Message(message, []));
    }

    private static async Task<Results<Created<MessageSnapshot>, Ok<MessageSnapshot>, ProblemHttpResult, ValidationProblem>?> ReplayAsync(
        InboxDbContext db, Guid me, string idempotencyKey, string requestHash, CancellationToken cancellationToken)
    {
        var existing = await db.Messages.AsNoTracking()
            .Where(m => m.SenderUserId == me && m.IdempotencyKey == idempotencyKey)
            .Select(m => new { m.Id, m.RequestHash }).FirstOrDefaultAsync(cancellationToken);
        if (existing is null) return null;
        if (existing.RequestHash != requestHash)
            return Problems.Status(StatusCodes.Status422UnprocessableEntity, Problems.IdempotencyKeyReused, "Idempotency-Key reused",
                "This Idempotency-Key was already used for a different request; use a new key for a new message.");
        var snapshot = (await Snapshots.MessagesAsync(db.Messages.Where(m => m.Id == existing.Id), db, cancellationToken)).Single();
        return TypedResults.Ok(snapshot);
    }

    private static Validation Validate(SendMessageRequest r)
    {
        var v = new Validation();
        var types = new[] { "text", "template", "reaction", "note" }.Concat(OutboundMessage.MediaTypes).ToArray();
        if (r.Type is null || !types.Contains(r.Type)) return v.Add("type", $"One of: {string.Join(", ", types)}.");
        switch (r.Type)
        {
            case "text" or "note":
                v.Check(!string.IsNullOrWhiteSpace(r.Text), "text", "The text is required.")
                    .Check(r.Text is null || r.Text.Length <= MaxText, "text", $"At most {MaxText} characters.");
                break;
            case "template":
                v.Check(!string.IsNullOrWhiteSpace(r.Template?.Name), "template.name", "The template name is required.")
                    .Check(!string.IsNullOrWhiteSpace(r.Template?.Language), "template.language", "The language code (e.g. en_US) is required.")
                    .Check(r.Template?.Components is null or { ValueKind: JsonValueKind.Array or JsonValueKind.Null }, "template.components",
                        "An array of Meta's template components.");
                break;
            case "reaction":
                v.Check(r.Reaction?.MessageId is not null, "reaction.messageId", "The message to react to is required.")
                    .Check(r.Reaction?.Emoji is { Length: <= 16 }, "reaction.emoji", "An emoji, or \"\" to remove the reaction.")
                    .Check(r.ReplyToMessageId is null, "replyToMessageId", "A reaction cannot be a reply.");
                break;
            default: // media, by link or by an upload
                if (r.UploadId is null)
                    v.Check(Uri.TryCreate(r.Link, UriKind.Absolute, out var link) && link.Scheme is "https" or "http", "link",
                        "An absolute http(s) URL of the media, or an uploadId.");
                else v.Check(r.Link is null, "link", "Give a link or an uploadId, not both.");
                v.Check(r.Caption is null || (r.Type is "image" or "video" or "document" && r.Caption.Length <= 1024), "caption",
                        "Only images, videos and documents have a caption, of at most 1024 characters.")
                    .Check(r.Filename is null || (r.Type == "document" && r.Filename.Length <= 240), "filename",
                        "Only documents have a filename, of at most 240 characters.");
                break;
        }
        if (r.Type is not ("text" or "note")) v.Check(r.Text is null, "text", $"Not used by type {r.Type}.");
        if (!OutboundMessage.MediaTypes.Contains(r.Type)) v.Check(r.UploadId is null, "uploadId", $"Not used by type {r.Type}.");
        if (r.Type == "note") v.Check(r.ReplyToMessageId is null, "replyToMessageId", "A note is not sent, so it cannot reply.");
        return v;
    }

    private sealed record StoreOutcome(Message? Message, ProblemHttpResult? Problem = null, ValidationProblem? Invalid = null, bool Replay = false);

    private static async Task<StoreOutcome> StoreAsync(
        Guid conversationId, SendMessageRequest r, string idempotencyKey, string requestHash, Guid me, InboxDbContext db,
        CancellationToken cancellationToken)
    {
        if (await db.Messages.AnyAsync(m => m.SenderUserId == me && m.IdempotencyKey == idempotencyKey, cancellationToken))
            return new(null, Replay: true);
        var conversation = await db.Conversations.Include(c => c.Contact)
            .FirstOrDefaultAsync(c => c.Id == conversationId, cancellationToken); // locked by the caller
        if (conversation is null) return new(null, Problems.NotFound("The conversation"));
        var now = DateTimeOffset.UtcNow;

        if (r.BasedOnMessageId is { } basedOn)
        {
            var latest = await db.Messages.Where(m => m.ConversationId == conversationId)
                .OrderByDescending(m => m.SentAt).ThenByDescending(m => m.Id).Select(m => (Guid?)m.Id).FirstOrDefaultAsync(cancellationToken);
            if (latest != basedOn)
                return new(null, Problems.Status(StatusCodes.Status409Conflict, Problems.NotLatest, "Not the latest message",
                    "The conversation has moved on since the message this reply is based on; confirm before sending.",
                    new Dictionary<string, object?> { ["latestMessageId"] = latest }));
        }

        var channel = r.Type == "note" ? null : await db.Channels.Where(c => c.Id == conversation.ChannelId)
            .Select(c => new { c.Active, c.WabaId }).SingleAsync(cancellationToken);
        if (channel is { Active: false })
            return new(null, Problems.Status(StatusCodes.Status409Conflict, Problems.ChannelDisabled, "WhatsApp number disabled",
                "The conversation's WhatsApp number is disabled by an admin; nothing is sent through it (notes still work)."));

        var freeForm = r.Type is not ("template" or "note");
        if (freeForm && (conversation.WindowClosesAt is not { } closes || closes <= now))
            return new(null, Problems.Status(StatusCodes.Status409Conflict, Problems.WindowClosed, "Customer service window closed",
                conversation.WindowClosesAt is { } closedAt
                    ? $"The customer's 24-hour window closed at {closedAt:O}; only a template can be sent until they write again."
                    : "The customer has not written yet, so no 24-hour window is open; only a template can be sent.",
                new Dictionary<string, object?> { ["windowClosesAt"] = conversation.WindowClosesAt }));

        string? replyToWamid = null;
        if (r.ReplyToMessageId is { } replyTo)
        {
            var target = await db.Messages.Where(m => m.Id == replyTo && m.ConversationId == conversationId)
                .Select(m => new { m.Wamid }).FirstOrDefaultAsync(cancellationToken);
            if (target is null) return new(null, Invalid: Problems.Invalid("replyToMessageId", "No such message in this conversation."));
            if (target.Wamid is null)
                return new(null, Problems.Status(StatusCodes.Status409Conflict, Problems.Conflict, "Not sent yet",
                    "The message replied to has no WhatsApp id yet (still queued or failed)."));
            replyToWamid = target.Wamid;
        }

        var messageId = Guid.CreateVersion7();
        var recipient = conversation.Contact!;
        var outbound = new OutboundMessage
        {
            Type = r.Type == "note" ? "text" : r.Type!,
            To = recipient.WaId,
            Recipient = recipient.WaId is null ? recipient.Bsuid : null,
            Context = replyToWamid is null ? null : new OutboundContext(replyToWamid),
            BizOpaqueCallbackData = messageId.ToString(),
        };
        string? text = null, preview = null;
        object? content = null;
        MediaFile? upload = null;
        switch (r.Type)
        {
            case "text" or "note":
                text = r.Text;
                preview = r.Type == "text" ? r.Text : null;
                outbound = outbound with { Text = new OutboundText(r.Text!, r.PreviewUrl ?? false) };
                break;
            case "template":
            {
                // Only the templates of the number's own business account: another account's cannot be sent from it.
                var template = await db.MessageTemplates.AsNoTracking().FirstOrDefaultAsync(
                    t => t.WabaId == channel!.WabaId && t.Name == r.Template!.Name && t.Language == r.Template.Language, cancellationToken);
                if (template is null)
                    return new(null, Problems.Status(StatusCodes.Status422UnprocessableEntity, Problems.UnknownTemplate, "Unknown template",
                        $"The conversation's WhatsApp number has no template '{r.Template!.Name}' in language '{r.Template.Language}'."));
                if (template.Status != TemplateStatuses.Approved)
                    return new(null, Problems.Status(StatusCodes.Status422UnprocessableEntity, Problems.TemplateNotApproved, "Template not approved",
                        $"WhatsApp has the template '{template.Name}' ({template.Language}) {template.Status}"
                        + (template.StatusReason is { } reason ? $" ({reason})" : "") + "; only an approved template can be sent.",
                        new Dictionary<string, object?>
                        {
                            ["templateStatus"] = template.Status, ["statusReason"] = template.StatusReason, ["statusDetail"] = template.StatusDetail,
                        }));
                var definition = TemplateDefinition.Parse(Snapshots.Element(template.Components), template.ParameterFormat);
                var components = r.Template!.Components;
                if (definition.Check(components) is { Count: > 0 } problems)
                    return new(null, Invalid: Problems.Invalid(new Dictionary<string, string[]> { ["template.components"] = [.. problems] }));
                text = definition.Render(components);
                preview = text;
                content = new
                {
                    name = template.Name, language = template.Language, components,
                    headerType = definition.HeaderFormat?.ToLowerInvariant(), headerLink = definition.HeaderLink(components),
                    buttons = definition.Buttons.Select(b => b.Text),
                };
                outbound = outbound with { Template = new OutboundTemplate(template.Name, new OutboundLanguage(template.Language), components) };
                break;
            }
            case "reaction":
            {
                var target = await db.Messages.Where(m => m.Id == r.Reaction!.MessageId && m.ConversationId == conversationId)
                    .Select(m => new { m.Wamid }).FirstOrDefaultAsync(cancellationToken);
                if (target is null) return new(null, Invalid: Problems.Invalid("reaction.messageId", "No such message in this conversation."));
                if (target.Wamid is null)
                    return new(null, Problems.Status(StatusCodes.Status409Conflict, Problems.Conflict, "Not sent yet",
                        "The message reacted to has no WhatsApp id yet (still queued or failed)."));
                content = new { messageId = r.Reaction!.MessageId, wamid = target.Wamid, emoji = r.Reaction.Emoji };
                outbound = outbound with { Reaction = new OutboundReaction(target.Wamid, r.Reaction.Emoji!) };
                break;
            }
            default:
            {
                if (r.UploadId is { } uploadId)
                {
                    var (found, invalid) = await AttachUploadAsync(uploadId, r.Type!, me, db, cancellationToken);
                    if (invalid is not null) return new(null, Invalid: invalid);
                    upload = found;
                }
                // Without a link, Workers upload the file to WhatsApp and send it by the media id (see SendWhatsAppMessageConsumer).
                var filename = r.Filename ?? (r.Type == "document" ? upload?.Filename : null);
                text = r.Caption;
                preview = r.Caption ?? (filename is null ? $"[{r.Type}]" : $"[{r.Type}] {filename}");
                content = new { link = r.Link, caption = r.Caption, filename };
                outbound = outbound.WithMedia(new OutboundMedia(r.Link, Caption: r.Caption, Filename: filename));
                break;
            }
        }

        var isNote = r.Type == "note";
        var message = new Message
        {
            Id = messageId,
            TenantId = conversation.TenantId,
            ConversationId = conversationId,
            ChannelId = conversation.ChannelId,
            Direction = "outbound",
            Type = r.Type!,
            Text = text,
            Content = content is null ? null : JsonSerializer.Serialize(content, OutboxEvents.Json),
            Payload = isNote ? null : outbound.ToJson(),
            SentAt = now,
            CreatedAt = now,
            ReplyToWamid = replyToWamid,
            Status = isNote ? null : "queued",
            StatusAt = isNote ? null : now,
            SenderUserId = me,
            IdempotencyKey = idempotencyKey,
            RequestHash = requestHash,
            SendState = isNote ? null : SendStates.Pending,
            MediaStatus = upload?.Status,
            MediaFile = upload,
        };
        if (upload is not null)
        {
            upload.MessageId = messageId;
            upload.ChannelId = conversation.ChannelId;
            upload.UpdatedAt = now;
        }
        db.Messages.Add(message);
        if (preview is not null)
        {
            conversation.LastMessageAt = now;
            conversation.LastMessagePreview = preview.Length > 200 ? preview[..200] : preview;
        }
        conversation.LastActivityAt = now;
        conversation.UpdatedAt = now;
        db.Outbox.Add(OutboxEvents.Create(conversation.TenantId,
            new MessageCreated(conversation.TenantId, conversationId, Snapshots.Message(message, []))));
        if (!isNote)
            db.Outbox.Add(OutboxEvents.Create(conversation.TenantId,
                new SendWhatsAppMessage(conversation.TenantId, messageId, conversationId, conversation.ChannelId)));
        await db.SaveChangesAsync(cancellationToken);
        await db.AddConversationUpdatesAsync([conversationId], cancellationToken);
        return new(message);
    }

    /// <summary>
    /// The caller's unsent upload, locked (after the conversation, like every row of the send's transaction) so that
    /// two sends naming it attach it once; it must be of the message's type.
    /// </summary>
    private static async Task<(MediaFile? Upload, ValidationProblem? Invalid)> AttachUploadAsync(
        Guid uploadId, string type, Guid me, InboxDbContext db, CancellationToken cancellationToken)
    {
        await db.Database.ExecuteSqlAsync($"select 1 from media_files where id = {uploadId} for update", cancellationToken);
        var upload = await db.MediaFiles.FirstOrDefaultAsync(f => f.Id == uploadId && f.UploadedBy == me, cancellationToken);
        if (upload is null)
            return (null, Problems.Invalid("uploadId", "No such upload of yours: upload the file first (POST /api/uploads)."));
        if (upload.MessageId is not null)
            return (null, Problems.Invalid("uploadId", "This upload was sent already; upload the file again to send it once more."));
        if (WhatsAppMedia.KindOf(upload.MimeType) is { } kind && kind.Name != type)
            return (null, Problems.Invalid("type", $"The upload is {upload.MimeType}: send it as type \"{kind.Name}\"."));
        return (upload, null);
    }

}
