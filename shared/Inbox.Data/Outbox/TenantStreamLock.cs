using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Inbox.Data.Outbox;

/// <summary>
/// The lock order every transaction that writes stream events keeps: the tenant's stream row FIRST, before any
/// conversation or message row. The outbox trigger takes that row (and then the conversation's sequence) on the
/// first insert; a transaction that had locked a conversation or a message before it could wait for the stream
/// while another, holding the stream, waits for that conversation or message — a deadlock (seen between sends,
/// status webhooks and Workers). Taking the stream lock first serializes a tenant's event writers up front, which
/// the stream's numbering does anyway from the first event to the commit.
/// </summary>
public static class TenantStreamLock
{
    private const string Ensure = "insert into tenant_streams (tenant_id, position) values ($1, 0) on conflict (tenant_id) do nothing";
    private const string Lock = "select 1 from tenant_streams where tenant_id = $1 for update";

    public static async Task LockTenantStreamAsync(this InboxDbContext db, CancellationToken cancellationToken)
    {
        var tenantId = db.CurrentTenantId ?? throw new InvalidOperationException("No tenant is set.");
        await db.Database.ExecuteSqlAsync(
            $"insert into tenant_streams (tenant_id, position) values ({tenantId}, 0) on conflict (tenant_id) do nothing", cancellationToken);
        await db.Database.ExecuteSqlAsync($"select 1 from tenant_streams where tenant_id = {tenantId} for update", cancellationToken);
    }

    /// <summary>The same, on a raw connection inside its transaction (WebhookIngest).</summary>
    public static async Task LockTenantStreamAsync(this NpgsqlConnection connection, Guid tenantId, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new(Ensure) { Parameters = { new() { Value = tenantId } } },
                new(Lock) { Parameters = { new() { Value = tenantId } } },
            },
        };
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
