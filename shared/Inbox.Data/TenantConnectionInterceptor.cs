using System.Data.Common;
using Inbox.Tenancy;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Inbox.Data;

/// <summary>
/// Hands the unit of work's tenant to PostgreSQL each time EF takes a connection from the pool (once per
/// query or per SaveChanges transaction), so row-level security sees it. No tenant sets an empty one: the
/// policies then match no row, and nothing a previous user of the pooled connection set can leak.
/// </summary>
internal sealed class TenantConnectionInterceptor(TenantContext tenant) : DbConnectionInterceptor
{
    public override async Task ConnectionOpenedAsync(
        DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = SetTenantCommand((NpgsqlConnection)connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = SetTenantCommand((NpgsqlConnection)connection);
        command.ExecuteNonQuery();
    }

    private NpgsqlCommand SetTenantCommand(NpgsqlConnection connection) =>
        TenantSql.SetTenant(connection, tenant.TenantId, transactionLocal: false);
}
