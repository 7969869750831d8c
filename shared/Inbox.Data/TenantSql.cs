using Npgsql;

namespace Inbox.Data;

/// <summary>
/// The one place that tells PostgreSQL which tenant a connection or transaction acts for (app.tenant_id, read by
/// current_tenant_id() in every row-level security policy). An empty value matches no row.
/// </summary>
public static class TenantSql
{
    private const string SetTenantSql = "select set_config('app.tenant_id', $1, $2)";

    /// <summary>For the connection's session, or (<paramref name="transactionLocal"/>) until its transaction ends.</summary>
    public static NpgsqlCommand SetTenant(NpgsqlConnection connection, Guid? tenantId, bool transactionLocal) =>
        new(SetTenantSql, connection) { Parameters = { Value(tenantId), new() { Value = transactionLocal } } };

    /// <summary>As a step of a batch, until its transaction ends: the statements after it act for this tenant.</summary>
    public static NpgsqlBatchCommand SetTenantInBatch(Guid tenantId) =>
        new(SetTenantSql) { Parameters = { Value(tenantId), new() { Value = true } } };

    private static NpgsqlParameter Value(Guid? tenantId) => new() { Value = tenantId?.ToString() ?? "" };
}
