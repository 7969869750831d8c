using Inbox.Data;
using Npgsql;

namespace Inbox.Tests.Integration.Infrastructure;

/// <summary>Raw reads as the application role, for a given tenant or none (row-level security applies).</summary>
public static class Sql
{
    public static async Task<long> CountAsync(this NpgsqlDataSource database, Guid? tenantId, string sql, params object[] parameters) =>
        Convert.ToInt64(await database.ScalarAsync(tenantId, sql, parameters), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Runs a statement for a tenant and returns the first column of the first row (or null).</summary>
    public static async Task<object?> ScalarAsync(this NpgsqlDataSource database, Guid? tenantId, string sql, params object[] parameters)
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var setTenant = TenantSql.SetTenant(connection, tenantId, transactionLocal: true))
            await setTenant.ExecuteNonQueryAsync();
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var parameter in parameters) command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        var result = await command.ExecuteScalarAsync();
        await transaction.CommitAsync();
        return result is DBNull ? null : result;
    }

    /// <summary>Ledger rows holding this exact text in their body (the ledger belongs to no tenant).</summary>
    /// <summary>
    /// The last position of the tenant's stream once the relay has numbered every event committed so far (it numbers
    /// them a few milliseconds after their commit, in its own steps).
    /// </summary>
    public static async Task<long> StreamHeadAsync(this NpgsqlDataSource database, Guid tenantId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (await database.CountAsync(tenantId, "select count(*) from outbox where streamed and position is null") > 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The relay never numbered the tenant's events.");
            await Task.Delay(20);
        }
        return await database.CountAsync(tenantId, "select position from tenant_streams where tenant_id = $1", tenantId);
    }

    public static Task<long> LedgerRowsContainingAsync(this NpgsqlDataSource database, string marker) =>
        database.CountAsync(null, "select count(*) from webhook_ledger where position(convert_to($1, 'UTF8') in body) > 0", marker);
}
