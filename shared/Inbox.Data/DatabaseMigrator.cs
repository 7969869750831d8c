using Inbox.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace Inbox.Data;

/// <summary>
/// Applies the hand-written migrations as the owner role (ConnectionStrings:InboxOwner), then the SQL functions in
/// force (<see cref="StoredFunctions"/>).
/// </summary>
public static class DatabaseMigrator
{
    public static async Task MigrateAsync(string ownerConnectionString, CancellationToken cancellationToken = default)
    {
        var options = new DbContextOptionsBuilder<InboxDbContext>().UseNpgsql(ownerConnectionString).Options;
        await using var db = new InboxDbContext(options, new TenantContext());
        await db.Database.MigrateAsync(cancellationToken);
        await StoredFunctions.ApplyAsync(ownerConnectionString, cancellationToken);
    }
}
