namespace Inbox.Contracts;

/// <summary>The bus header that carries the tenant of every published message.</summary>
public static class TenantHeader
{
    public const string Name = "Inbox-Tenant-Id";
}
