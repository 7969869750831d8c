using System.Security.Claims;
using System.Text.Json;
using Inbox.Data;
using Inbox.Data.Entities;
using Inbox.Data.Outbox;
using Inbox.Tenancy;

namespace Inbox.Api.Admin;

/// <summary>
/// What every admin endpoint shares: the /api/admin group (owners and admins; agents get 403), owner checks, and
/// the audit row each action writes in its own transaction.
/// Admin transactions write no stream events (MemberDeactivated is a bus signal, not a stream event), so they take
/// no stream lock; the tenant row is their one lock (see <see cref="Seats.LockTenantAsync"/>).
/// </summary>
public static class AdminAccess
{
    /// <summary>/api/admin: authenticated, and the caller's role as stored now (SessionCheck) is owner or admin.</summary>
    public static RouteGroupBuilder MapAdminGroup(this IEndpointRouteBuilder app, string tag) =>
        app.MapGroup("/api/admin").RequireAuthorization().WithTags(tag)
            .AddEndpointFilter(async (context, next) =>
                context.HttpContext.User.IsAdmin() ? await next(context) : Problems.AdminOnly());

    public static bool IsOwner(this ClaimsPrincipal user) => user.IsInRole(Roles.Owner);

    /// <summary>
    /// Adds an audit row to the unit of work, saved with the change it describes. before/after are plain objects
    /// serialized as JSON; callers never put a secret in them (a replaced secret is the word "replaced").
    /// </summary>
    public static void Audit(this InboxDbContext db, Guid? actorUserId, string action, string targetType, object? targetId,
        object? before, object? after) =>
        db.AuditLog.Add(new AuditEntry
        {
            Id = Guid.CreateVersion7(),
            TenantId = db.CurrentTenantId ?? throw new InvalidOperationException("No tenant is set."),
            At = DateTimeOffset.UtcNow,
            ActorUserId = actorUserId,
            Action = action,
            TargetType = targetType,
            TargetId = targetId?.ToString(),
            Before = before is null ? null : JsonSerializer.Serialize(before, OutboxEvents.Json),
            After = after is null ? null : JsonSerializer.Serialize(after, OutboxEvents.Json),
        });
}

/// <summary>The audit actions (the admin API contract lists them).</summary>
public static class AuditActions
{
    public const string InviteCreated = "invite.created";
    public const string InviteRevoked = "invite.revoked";
    public const string InviteAccepted = "invite.accepted";
    public const string MemberRoleChanged = "member.role_changed";
    public const string MemberDeactivated = "member.deactivated";
    public const string MemberReactivated = "member.reactivated";
    public const string SeatsChanged = "seats.changed";
    public const string ChannelCreated = "channel.created";
    public const string ChannelUpdated = "channel.updated";
    public const string ChannelDisabled = "channel.disabled";
    public const string ChannelEnabled = "channel.enabled";
    public const string SettingsChanged = "settings.changed";
}
