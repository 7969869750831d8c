using System.Security.Claims;

namespace Inbox.Tenancy;

/// <summary>The claims Inbox puts in its access tokens, and how to read them.</summary>
public static class InboxClaims
{
    public const string Subject = "sub";
    public const string Tenant = "tenant_id";
    public const string Role = "role";
    public const string Name = "name";
    public const string Email = "email";
    public const string Session = "sid";

    public static Guid? TenantId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirst(Tenant)?.Value, out var id) ? id : null;

    public static Guid? UserId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirst(Subject)?.Value, out var id) ? id : null;

    public static Guid? SessionId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirst(Session)?.Value, out var id) ? id : null;

    /// <summary>The caller's user id; only for endpoints that require an authenticated user.</summary>
    public static Guid RequiredUserId(this ClaimsPrincipal user) =>
        user.UserId() ?? throw new InvalidOperationException("The caller has no user id.");

    public static bool IsAdmin(this ClaimsPrincipal user) => user.IsInRole("owner") || user.IsInRole("admin");
}
