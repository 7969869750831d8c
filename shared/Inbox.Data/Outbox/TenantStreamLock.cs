using Microsoft.EntityFrameworkCore;

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
    public static async Task LockTenantStreamAsync(this InboxDbContext db, CancellationToken cancellationToken)
    {
        var tenantId = db.CurrentTenantId ?? throw new InvalidOperationException("No tenant is set.");
        await db.Database.ExecuteSqlAsync(
            $"insert into tenant_streams (tenant_id, position) values ({tenantId}, 0) on conflict (tenant_id) do nothing", cancellationToken);
        await db.Database.ExecuteSqlAsync($"select 1 from tenant_streams where tenant_id = {tenantId} for update", cancellationToken);
    }

    /// <summary>
    /// The same two statements for a tenant given as a SQL expression, for a raw connection inside its transaction
    /// (WebhookIngest batches them with its number lookup: one round trip).
    /// </summary>
    public static string EnsureFor(string tenantIdSql) =>
        $"insert into tenant_streams (tenant_id, position) select t, 0 from {tenantIdSql} as s(t) where t is not null on conflict (tenant_id) do nothing";

    public static string LockFor(string tenantIdSql) => $"select 1 from tenant_streams where tenant_id = {tenantIdSql} for update";
}
