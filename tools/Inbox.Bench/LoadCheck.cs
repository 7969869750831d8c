using Npgsql;

namespace Inbox.Bench;

/// <summary>Reconciles a webhook load: what was acknowledged, what the database holds, what each client received.</summary>
public static class LoadCheck
{
    /// <summary>The stored wamids of the load, by tenant index (one entry per row).</summary>
    public static async Task<Dictionary<int, List<string>>> PersistedAsync(
        NpgsqlDataSource database, IReadOnlyList<BenchTenant> tenants, WebhookLoad load, CancellationToken cancellationToken)
    {
        var persisted = new Dictionary<int, List<string>>();
        foreach (var tenant in tenants)
            persisted[tenant.Index] = await BenchTenants.PersistedAsync(database, tenant.Id,
                load.Sent.TryGetValue(tenant.Index, out var sent) ? [.. sent] : [], cancellationToken);
        return persisted;
    }

    public static Reconciliation Reconcile(WebhookLoad load, Dictionary<int, List<string>> persisted, Audience? audience) => new()
    {
        Acknowledged = [.. load.Acknowledged.Values.SelectMany(ids => ids)],
        Persisted = [.. persisted.Values.SelectMany(ids => ids)],
        Clients = audience?.Deliveries(ExpectedByTenant(persisted), load.RunPrefix) ?? [],
    };

    public static Dictionary<int, HashSet<string>> ExpectedByTenant(Dictionary<int, List<string>> persisted) =>
        persisted.ToDictionary(p => p.Key, p => p.Value.ToHashSet());
}
