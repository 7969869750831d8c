using System.Security.Claims;
using Inbox.Contracts;
using Inbox.Data;
using Inbox.Data.Entities;
using Inbox.Data.Outbox;
using Inbox.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Inbox.Api.Conversations;

public static class ConversationsApi
{
    public sealed record AssignRequest(Guid? UserId);

    public sealed record StatusRequest(string? Status, DateTimeOffset? SnoozedUntil);

    public sealed record PriorityRequest(string? Priority);

    public sealed record LabelRequest(string? Label);

    public static void MapConversationsApi(this IEndpointRouteBuilder app)
    {
        // Every query below runs for the caller's tenant only: the EF query filter and PostgreSQL RLS both apply,
        // so another tenant's id is simply not found (404).
        var group = app.MapGroup("/api/conversations").RequireAuthorization().WithTags("Conversations");
        group.MapGet("/", List).WithSummary("The tenant's conversations, most recent first, filtered, one page at a time");
        group.MapGet("/{id:guid}", Get).WithSummary("One conversation, with the caller's unread count");
        group.MapPut("/{id:guid}/assignee", Assign).WithSummary("Assign to an active member of the tenant");
        group.MapDelete("/{id:guid}/assignee", Unassign).WithSummary("Leave unassigned");
        group.MapPut("/{id:guid}/status", SetStatus).WithSummary("open, pending, resolved, or snoozed until a time");
        group.MapPut("/{id:guid}/priority", SetPriority).WithSummary("none, low, medium, high or urgent");
        group.MapPost("/{id:guid}/labels", AddLabel).WithSummary("Add a label (lower-cased; adding it twice changes nothing)");
        group.MapDelete("/{id:guid}/labels/{label}", RemoveLabel).WithSummary("Remove a label");
        group.MapPost("/{id:guid}/read", Read)
            .WithSummary("Move the caller's read cursor to the latest message; sends a WhatsApp read receipt if the tenant enables it");
        app.MapGet("/api/labels", Labels).RequireAuthorization().WithTags("Conversations").WithSummary("Labels in use in the tenant");
    }

    /// <summary>
    /// Filters: status (open, pending, resolved, snoozed); assignee (me, unassigned, anyone, or a user id); channelId;
    /// label; q (contact name, number, or any message's text). Newest activity first; pass nextCursor as cursor.
    /// </summary>
    private static async Task<Results<Ok<Page<ConversationSnapshot>>, ValidationProblem>> List(
        InboxDbContext db, ClaimsPrincipal user, string? status, string? assignee, Guid? channelId, string? label, string? q,
        int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var validation = new Validation()
            .Check(status is null || ConversationStatuses.All.Contains(status), "status", $"One of: {string.Join(", ", ConversationStatuses.All)}.")
            .Check(assignee is null or "me" or "unassigned" or "anyone" || Guid.TryParse(assignee, out _), "assignee",
                "me, unassigned, anyone, or a user id.")
            .Check(q is null || q.Trim().Length is >= 1 and <= 200, "q", "Between 1 and 200 characters.")
            .Check(limit, cursor);
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);

        var me = user.RequiredUserId();
        var query = db.Conversations.AsQueryable();
        if (status is not null) query = query.Where(c => c.Status == status);
        if (assignee == "me") query = query.Where(c => c.AssigneeId == me);
        else if (assignee == "unassigned") query = query.Where(c => c.AssigneeId == null);
        else if (Guid.TryParse(assignee, out var assigneeId)) query = query.Where(c => c.AssigneeId == assigneeId);
        if (channelId is not null) query = query.Where(c => c.ChannelId == channelId);
        if (!string.IsNullOrWhiteSpace(label))
        {
            var normalized = label.Trim().ToLowerInvariant();
            query = query.Where(c => c.Labels.Contains(normalized));
        }
        if (q is not null)
        {
            var pattern = LikePattern.Containing(q);
            query = query.Where(c => EF.Functions.ILike(c.Contact!.Name!, pattern, "\\")
                                     || EF.Functions.ILike(c.Contact.ProfileName!, pattern, "\\")
                                     || EF.Functions.ILike(c.Contact.WaId!, pattern, "\\")
                                     || db.Messages.Any(m => m.ConversationId == c.Id && EF.Functions.ILike(m.Text!, pattern, "\\")));
        }
        return TypedResults.Ok(await ConversationViews.PageAsync(query, db, me, limit ?? Cursor.DefaultLimit, cursor, cancellationToken));
    }

    private static async Task<Results<Ok<ConversationSnapshot>, ProblemHttpResult>> Get(
        Guid id, InboxDbContext db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var conversation = await ConversationViews.SnapshotAsync(db, id, user.RequiredUserId(), cancellationToken);
        return conversation is null ? Problems.NotFound("The conversation") : TypedResults.Ok(conversation);
    }

    private static async Task<Results<Ok<ConversationSnapshot>, ProblemHttpResult, ValidationProblem>> Assign(
        Guid id, AssignRequest request, InboxDbContext db, OutboxSignal signal, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (request.UserId is not { } assigneeId) return Problems.Invalid("userId", "The user to assign is required.");
        if (!await db.Memberships.AnyAsync(m => m.UserId == assigneeId && m.Active, cancellationToken))
            return Problems.Invalid("userId", "Not an active member of this tenant.");
        return await ChangeAsync(id, db, signal, user, c => c.AssigneeId = assigneeId, cancellationToken);
    }

    private static Task<Results<Ok<ConversationSnapshot>, ProblemHttpResult, ValidationProblem>> Unassign(
        Guid id, InboxDbContext db, OutboxSignal signal, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        ChangeAsync(id, db, signal, user, c => c.AssigneeId = null, cancellationToken);

    private static async Task<Results<Ok<ConversationSnapshot>, ProblemHttpResult, ValidationProblem>> SetStatus(
        Guid id, StatusRequest request, InboxDbContext db, OutboxSignal signal, ClaimsPrincipal user, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var validation = new Validation()
            .Check(request.Status is not null && ConversationStatuses.All.Contains(request.Status), "status",
                $"One of: {string.Join(", ", ConversationStatuses.All)}.");
        if (request.Status == ConversationStatuses.Snoozed)
            validation.Check(request.SnoozedUntil > now, "snoozedUntil", "Snoozing needs a time in the future.")
                .Check(request.SnoozedUntil is null || request.SnoozedUntil < now.AddYears(1), "snoozedUntil", "At most a year ahead.");
        else
            validation.Check(request.SnoozedUntil is null, "snoozedUntil", "Only with status snoozed.");
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        return await ChangeAsync(id, db, signal, user, c =>
        {
            c.Status = request.Status!;
            c.SnoozedUntil = request.Status == ConversationStatuses.Snoozed ? request.SnoozedUntil!.Value.ToUniversalTime() : null;
        }, cancellationToken);
    }

    private static async Task<Results<Ok<ConversationSnapshot>, ProblemHttpResult, ValidationProblem>> SetPriority(
        Guid id, PriorityRequest request, InboxDbContext db, OutboxSignal signal, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (request.Priority is null || !Priorities.All.Contains(request.Priority))
            return Problems.Invalid("priority", $"One of: {string.Join(", ", Priorities.All)}.");
        return await ChangeAsync(id, db, signal, user, c => c.Priority = request.Priority, cancellationToken);
    }

    private static async Task<Results<Ok<ConversationSnapshot>, ProblemHttpResult, ValidationProblem>> AddLabel(
        Guid id, LabelRequest request, InboxDbContext db, OutboxSignal signal, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var label = request.Label?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(label) || label.Length > 50 || label.Any(char.IsControl))
            return Problems.Invalid("label", "1 to 50 printable characters.");
        return await ChangeAsync(id, db, signal, user, c =>
        {
            if (c.Labels.Count >= 50) throw new LabelLimitException();
            if (!c.Labels.Contains(label)) c.Labels = [.. c.Labels, label];
        }, cancellationToken);
    }

    private static Task<Results<Ok<ConversationSnapshot>, ProblemHttpResult, ValidationProblem>> RemoveLabel(
        Guid id, string label, InboxDbContext db, OutboxSignal signal, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var normalized = label.Trim().ToLowerInvariant();
        return ChangeAsync(id, db, signal, user, c => c.Labels = c.Labels.Where(l => l != normalized).ToList(), cancellationToken);
    }

    private sealed class LabelLimitException : Exception;

    /// <summary>
    /// One change of a conversation by an agent: row locked, changed, and its conversation:updated event committed
    /// with it. Counts as activity (auto-resolve measures inactivity from here).
    /// </summary>
    private static async Task<Results<Ok<ConversationSnapshot>, ProblemHttpResult, ValidationProblem>> ChangeAsync(
        Guid id, InboxDbContext db, OutboxSignal signal, ClaimsPrincipal user, Action<Conversation> change,
        CancellationToken cancellationToken)
    {
        var refused = await db.WriteEventsAsync<Results<Ok<ConversationSnapshot>, ProblemHttpResult, ValidationProblem>?>(
            signal, [id], async cancellationToken =>
            {
                var conversation = await db.Conversations.FirstOrDefaultAsync(c => c.Id == id, cancellationToken); // locked
                if (conversation is null) return Problems.NotFound("The conversation");
                try { change(conversation); }
                catch (LabelLimitException) { return Problems.Invalid("label", "A conversation has at most 50 labels."); }
                conversation.LastActivityAt = DateTimeOffset.UtcNow;
                conversation.UpdatedAt = DateTimeOffset.UtcNow;
                await db.SaveChangesAsync(cancellationToken);
                await db.AddConversationUpdatesAsync([id], cancellationToken);
                return null;
            }, cancellationToken);
        if (refused is not null) return refused;
        return TypedResults.Ok((await ConversationViews.SnapshotAsync(db, id, user.RequiredUserId(), cancellationToken))!);
    }

    /// <summary>
    /// The caller has read the conversation up to its latest message: their cursor moves there (never back), the
    /// team's unread count goes to zero, and — if the tenant enables read receipts — Workers tell WhatsApp the
    /// latest customer message was read (once per message; WhatsApp accepts it for 30 days).
    /// </summary>
    private static async Task<Results<Ok<ConversationSnapshot>, ProblemHttpResult>> Read(
        Guid id, InboxDbContext db, OutboxSignal signal, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var me = user.RequiredUserId();
        var missing = await db.WriteEventsAsync(signal, [id], async cancellationToken =>
        {
            var conversation = await db.Conversations.FirstOrDefaultAsync(c => c.Id == id, cancellationToken); // locked
            if (conversation is null) return true;
            var latest = await db.Messages.Where(m => m.ConversationId == id).MaxAsync(m => (DateTimeOffset?)m.SentAt, cancellationToken);
            if (latest is { } readUpTo)
            {
                await db.Database.ExecuteSqlAsync($"""
                    insert into conversation_reads (tenant_id, conversation_id, user_id, last_read_at)
                    values ({conversation.TenantId}, {id}, {me}, {readUpTo})
                    on conflict (conversation_id, user_id) do update
                        set last_read_at = greatest(conversation_reads.last_read_at, excluded.last_read_at)
                    """, cancellationToken);
            }
            var changed = conversation.UnreadCount != 0;
            conversation.UnreadCount = 0;

            var readReceipts = await db.Tenants.Select(t => t.ReadReceipts).SingleAsync(cancellationToken);
            if (readReceipts)
            {
                var monthAgo = DateTimeOffset.UtcNow.AddDays(-30);
                var lastInbound = await db.Messages.AsNoTracking()
                    .Where(m => m.ConversationId == id && m.Direction == "inbound" && m.Wamid != null && m.SentAt > monthAgo)
                    .OrderByDescending(m => m.SentAt).ThenByDescending(m => m.Id)
                    .Select(m => new { m.Id, m.Wamid }).FirstOrDefaultAsync(cancellationToken);
                if (lastInbound is not null && lastInbound.Id != conversation.ReadReceiptMessageId)
                {
                    conversation.ReadReceiptMessageId = lastInbound.Id;
                    db.Outbox.Add(OutboxEvents.Create(conversation.TenantId, new SendReadReceipt(
                        conversation.TenantId, id, conversation.ChannelId, lastInbound.Id, lastInbound.Wamid!)));
                }
            }
            await db.SaveChangesAsync(cancellationToken);
            if (changed) await db.AddConversationUpdatesAsync([id], cancellationToken);
            return false;
        }, cancellationToken);
        if (missing) return Problems.NotFound("The conversation");
        return TypedResults.Ok((await ConversationViews.SnapshotAsync(db, id, me, cancellationToken))!);
    }

    private static async Task<Ok<List<string>>> Labels(InboxDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await db.Conversations.SelectMany(c => c.Labels).Distinct().OrderBy(l => l).ToListAsync(cancellationToken));
}
