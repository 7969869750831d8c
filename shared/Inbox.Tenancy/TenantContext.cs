namespace Inbox.Tenancy;

/// <summary>
/// The tenant the current unit of work (a request, a hub call, a consumed message) acts for.
/// Scoped: set once at the edge, read everywhere else — by EF query filters and by the connection
/// interceptor that hands it to PostgreSQL row-level security.
/// </summary>
public sealed class TenantContext
{
    public Guid? TenantId { get; private set; }

    public Guid RequiredTenantId =>
        TenantId ?? throw new InvalidOperationException("No tenant is set for this unit of work.");

    public void Set(Guid tenantId)
    {
        if (tenantId == Guid.Empty) throw new ArgumentException("A tenant id cannot be empty.", nameof(tenantId));
        TenantId = tenantId;
    }

    public void Clear() => TenantId = null;
}
