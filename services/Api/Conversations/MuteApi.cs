using System.Security.Claims;
using Inbox.Contracts;
using Inbox.Data;
using Inbox.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Inbox.Api.Conversations;

/// <summary>
/// An agent mutes a conversation for themself: the web inbox raises no notification or sound for its new messages,
/// on any of their devices. Other agents are not affected; the conversation itself does not change (no event).
/// </summary>
public static class MuteApi
{
    public static void MapMuteApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/conversations/{id:guid}/mute").RequireAuthorization().WithTags("Conversations");
        group.MapPut("/", Mute).WithSummary("Mute for the caller: no notifications of its new messages");
        group.MapDelete("/", Unmute).WithSummary("Notify the caller of its new messages again");
    }

    private static async Task<Results<Ok<ConversationSnapshot>, ProblemHttpResult>> Mute(
        Guid id, InboxDbContext db, TenantContext tenant, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var me = user.RequiredUserId();
        if (!await db.Conversations.AnyAsync(c => c.Id == id, cancellationToken)) return Problems.NotFound("The conversation");
        await db.Database.ExecuteSqlAsync($"""
            insert into conversation_mutes (tenant_id, conversation_id, user_id) values ({tenant.RequiredTenantId}, {id}, {me})
            on conflict (conversation_id, user_id) do nothing
            """, cancellationToken);
        return TypedResults.Ok((await ConversationViews.SnapshotAsync(db, id, me, cancellationToken))!);
    }

    private static async Task<Results<Ok<ConversationSnapshot>, ProblemHttpResult>> Unmute(
        Guid id, InboxDbContext db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var me = user.RequiredUserId();
        if (!await db.Conversations.AnyAsync(c => c.Id == id, cancellationToken)) return Problems.NotFound("The conversation");
        await db.ConversationMutes.Where(m => m.ConversationId == id && m.UserId == me).ExecuteDeleteAsync(cancellationToken);
        return TypedResults.Ok((await ConversationViews.SnapshotAsync(db, id, me, cancellationToken))!);
    }
}
