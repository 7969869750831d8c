using System.Security.Claims;
using System.Security.Cryptography;
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
using static Inbox.Api.Messages.MessagesApi;

namespace Inbox.Api.Messages;

/// <summary>
/// POST /api/conversations/{id}/messages: stores the message as queued, with its SendWhatsAppMessage command and its
/// events, in one transaction; Workers send it. The same Idempotency-Key (per agent) returns the same message and
/// never sends twice; the same key with another body is 422. The rules are <see cref="SendRules"/>, the shapes
/// <see cref="OutboundDraft"/>.
/// </summary>
public static class SendMessage
{
    public const string IdempotencyHeader = "Idempotency-Key";

    public static async Task<Results<Created<MessageSnapshot>, Ok<MessageSnapshot>, ProblemHttpResult, ValidationProblem>> Send(
        Guid id, SendMessageRequest request, [FromHeader(Name = IdempotencyHeader)] string? idempotencyKey,
        InboxDbContext db, OutboxSignal signal, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(idempotencyKey) || idempotencyKey.Length > 255)
            return Problems.Invalid(IdempotencyHeader, "An Idempotency-Key header of 1 to 255 characters is required.");
        var me = user.RequiredUserId();
        var requestHash = Convert.ToHexStringLower(SHA256.HashData(
            JsonSerializer.SerializeToUtf8Bytes(new { conversationId = id, request })));

        if (await ReplayAsync(db, me, idempotencyKey, requestHash, cancellationToken) is { } replay) return replay;
        var validation = SendRules.Validate(request);
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

    private sealed record StoreOutcome(Message? Message, ProblemHttpResult? Problem = null, ValidationProblem? Invalid = null, bool Replay = false)
    {
        public static implicit operator StoreOutcome(ProblemHttpResult problem) => new(null, problem);
        public static implicit operator StoreOutcome(ValidationProblem invalid) => new(null, Invalid: invalid);
    }

    /// <summary>The send's steps inside the transaction, the conversation locked by the caller.</summary>
    private static async Task<StoreOutcome> StoreAsync(
        Guid conversationId, SendMessageRequest r, string idempotencyKey, string requestHash, Guid me, InboxDbContext db,
        CancellationToken cancellationToken)
    {
        if (await db.Messages.AnyAsync(m => m.SenderUserId == me && m.IdempotencyKey == idempotencyKey, cancellationToken))
            return new StoreOutcome(null, Replay: true);
        var conversation = await db.Conversations.Include(c => c.Contact)
            .FirstOrDefaultAsync(c => c.Id == conversationId, cancellationToken);
        if (conversation is null) return Problems.NotFound("The conversation");
        var now = DateTimeOffset.UtcNow;

        if (r.BasedOnMessageId is { } basedOn)
        {
            var latest = await db.Messages.Where(m => m.ConversationId == conversationId)
                .OrderByDescending(m => m.SentAt).ThenByDescending(m => m.Id).Select(m => (Guid?)m.Id).FirstOrDefaultAsync(cancellationToken);
            if (SendRules.BasedOnLatest(basedOn, latest) is { } moved) return moved;
        }
        var channel = r.Type == "note" ? null : await db.Channels.Where(c => c.Id == conversation.ChannelId)
            .Select(c => new { c.Active, c.WabaId }).SingleAsync(cancellationToken);
        if (channel is not null && SendRules.NumberEnabled(channel.Active) is { } disabled) return disabled;
        if (SendRules.WindowOpen(r.Type!, conversation.WindowClosesAt, now) is { } closed) return closed;

        string? replyToWamid = null;
        if (r.ReplyToMessageId is { } replyTo)
        {
            var target = await db.Messages.Where(m => m.Id == replyTo && m.ConversationId == conversationId)
                .Select(m => new { m.Wamid }).FirstOrDefaultAsync(cancellationToken);
            if (target is null) return Problems.Invalid("replyToMessageId", "No such message in this conversation.");
            if (SendRules.SentAlready(target.Wamid, "replied to") is { } unsent) return unsent;
            replyToWamid = target.Wamid;
        }

        var messageId = Guid.CreateVersion7();
        var envelope = OutboundDraft.Envelope(r.Type!, conversation.Contact!, replyToWamid, messageId);
        MediaFile? upload = null;
        OutboundDraft draft;
        switch (r.Type)
        {
            case "text" or "note":
                draft = OutboundDraft.ForText(r, envelope);
                break;
            case "template":
            {
                // Only the templates of the number's own business account: another account's cannot be sent from it.
                var template = await db.MessageTemplates.AsNoTracking().FirstOrDefaultAsync(
                    t => t.WabaId == channel!.WabaId && t.Name == r.Template!.Name && t.Language == r.Template.Language, cancellationToken);
                if (template is null) return SendRules.UnknownTemplate(r.Template!.Name!, r.Template.Language!);
                if (SendRules.TemplateApproved(template) is { } notApproved) return notApproved;
                var definition = TemplateDefinition.Parse(Snapshots.Element(template.Components), template.ParameterFormat);
                if (definition.Check(r.Template!.Components) is { Count: > 0 } problems)
                    return Problems.Invalid(new Dictionary<string, string[]> { ["template.components"] = [.. problems] });
                draft = OutboundDraft.ForTemplate(template, definition, r.Template.Components, envelope);
                break;
            }
            case "reaction":
            {
                var target = await db.Messages.Where(m => m.Id == r.Reaction!.MessageId && m.ConversationId == conversationId)
                    .Select(m => new { m.Wamid }).FirstOrDefaultAsync(cancellationToken);
                if (target is null) return Problems.Invalid("reaction.messageId", "No such message in this conversation.");
                if (SendRules.SentAlready(target.Wamid, "reacted to") is { } unsent) return unsent;
                draft = OutboundDraft.ForReaction(r.Reaction!.MessageId!.Value, target.Wamid!, r.Reaction.Emoji!, envelope);
                break;
            }
            default:
            {
                if (r.UploadId is { } uploadId)
                {
                    var (found, invalid) = await AttachUploadAsync(uploadId, r.Type!, me, db, cancellationToken);
                    if (invalid is not null) return invalid;
                    upload = found;
                }
                draft = OutboundDraft.ForMedia(r, upload, envelope);
                break;
            }
        }

        var message = NewMessage(messageId, conversation, r.Type!, draft, idempotencyKey, requestHash, me, upload, now);
        if (upload is not null)
        {
            upload.MessageId = messageId;
            upload.ChannelId = conversation.ChannelId;
            upload.UpdatedAt = now;
        }
        db.Messages.Add(message);
        if (draft.ListPreview is { } preview)
        {
            conversation.LastMessageAt = now;
            conversation.LastMessagePreview = preview;
        }
        conversation.LastActivityAt = now;
        conversation.UpdatedAt = now;
        db.Outbox.Add(OutboxEvents.Create(conversation.TenantId,
            new MessageCreated(conversation.TenantId, conversationId, Snapshots.Message(message, []))));
        if (r.Type != "note")
            db.Outbox.Add(OutboxEvents.Create(conversation.TenantId,
                new SendWhatsAppMessage(conversation.TenantId, messageId, conversationId, conversation.ChannelId)));
        await db.SaveChangesAsync(cancellationToken);
        await db.AddConversationUpdatesAsync([conversationId], cancellationToken);
        return new StoreOutcome(message);
    }

    /// <summary>The stored message: queued for Workers (a note is neither queued nor sent).</summary>
    private static Message NewMessage(Guid id, Conversation conversation, string type, OutboundDraft draft, string idempotencyKey,
        string requestHash, Guid me, MediaFile? upload, DateTimeOffset now)
    {
        var isNote = type == "note";
        return new Message
        {
            Id = id,
            TenantId = conversation.TenantId,
            ConversationId = conversation.Id,
            ChannelId = conversation.ChannelId,
            Direction = "outbound",
            Type = type,
            Text = draft.Text,
            Content = draft.Content is null ? null : JsonSerializer.Serialize(draft.Content, OutboxEvents.Json),
            Payload = isNote ? null : draft.Outbound.ToJson(),
            SentAt = now,
            CreatedAt = now,
            ReplyToWamid = draft.Outbound.Context?.MessageId,
            Status = isNote ? null : "queued",
            StatusAt = isNote ? null : now,
            SenderUserId = me,
            IdempotencyKey = idempotencyKey,
            RequestHash = requestHash,
            SendState = isNote ? null : SendStates.Pending,
            MediaStatus = upload?.Status,
            MediaFile = upload,
        };
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
