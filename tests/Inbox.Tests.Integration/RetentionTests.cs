using System.Net;
using Inbox.Tests.Integration.Infrastructure;
using Npgsql;

namespace Inbox.Tests.Integration;

/// <summary>
/// Nothing is kept forever: the Workers' retention job (every second in the tests, two rows per batch) prunes the
/// webhook ledger past Retention:LedgerDays (30) and published events past Retention:PublishedEventsDays (3), for
/// every tenant, and keeps anything newer. A client behind the pruned events is told to reload (410).
/// </summary>
[Collection(StackCollection.Name)]
public sealed class RetentionTests(InboxStack stack)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>A customer writes; returns the wamid once every outbox row of the tenant is published.</summary>
    private async Task<string> CustomerWritesAsync(TestTenant tenant, string text)
    {
        var (_, wamid) = await stack.CustomerWritesAsync(tenant, "4917" + Random.Shared.NextInt64(100_000_000, 999_999_999), text);
        await UntilAsync(async () => await stack.Database.CountAsync(tenant.Id, "select count(*) from outbox_pending") == 0);
        return wamid;
    }

    /// <summary>Makes a tenant's published events up to <paramref name="lastId"/> four days old (as the owner: no role may do this in the product).</summary>
    private static async Task AgeEventsAsync(Guid tenantId, long lastId)
    {
        await using var owner = NpgsqlDataSource.Create(TestSettings.OwnerConnectionString);
        await owner.ExecuteAsync(tenantId, "update outbox set created_at = now() - interval '4 days' where id <= $1", lastId);
    }

    private Task AgeLedgerAsync(string wamid) => stack.Database.ScalarAsync(null,
        "update webhook_ledger set received_at = now() - interval '31 days' where position(convert_to($1, 'UTF8') in body) > 0", wamid);

    private Task<long> LastEventIdAsync(TestTenant tenant) =>
        stack.Database.CountAsync(tenant.Id, "select coalesce(max(id), 0) from outbox");

    private async Task<HttpStatusCode> CatchUpStatusAsync(TestTenant tenant, long after)
    {
        var agent = await stack.LoginAgentAsync(tenant);
        return (await agent.GetAsync($"/api/events?after={after}")).StatusCode;
    }

    private static async Task UntilAsync(Func<Task<bool>> done)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await done())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The condition was never met.");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Ledger_rows_and_published_events_past_their_retention_are_pruned_for_every_tenant_and_newer_ones_kept()
    {
        var tenants = new[] { await stack.CreateTenantAsync(), await stack.CreateTenantAsync() };
        var kept = new List<(TestTenant Tenant, string OldWamid, long OldLastId, string NewWamid)>();
        foreach (var tenant in tenants)
        {
            var old = await CustomerWritesAsync(tenant, "an old question");
            await CustomerWritesAsync(tenant, "and another one"); // more old events than one batch of two
            var oldLastId = await LastEventIdAsync(tenant);
            kept.Add((tenant, old, oldLastId, await CustomerWritesAsync(tenant, "a new question")));
        }
        foreach (var (tenant, oldWamid, oldLastId, _) in kept)
        {
            await AgeEventsAsync(tenant.Id, oldLastId);
            await AgeLedgerAsync(oldWamid);
        }

        foreach (var (tenant, oldWamid, oldLastId, newWamid) in kept)
        {
            await UntilAsync(async () => await stack.Database.LedgerRowsContainingAsync(oldWamid) == 0
                                         && await stack.Database.CountAsync(tenant.Id, "select count(*) from outbox where id <= $1", oldLastId) == 0);
            Assert.Equal(1, await stack.Database.LedgerRowsContainingAsync(newWamid));
            var newer = await stack.Database.CountAsync(tenant.Id, "select count(*) from outbox where id > $1", oldLastId);
            Assert.True(newer >= 2, $"The new message's events were pruned too ({newer} left).");
            var oldest = await stack.Database.CountAsync(tenant.Id, "select min(position) from outbox where streamed");
            Assert.Equal(HttpStatusCode.Gone, await CatchUpStatusAsync(tenant, 0));
            Assert.Equal(HttpStatusCode.OK, await CatchUpStatusAsync(tenant, oldest - 1));
        }
    }

    [Fact]
    public async Task A_client_behind_a_stream_whose_events_were_all_pruned_is_told_to_reload()
    {
        var tenant = await stack.CreateTenantAsync();
        var wamid = await CustomerWritesAsync(tenant, "a question nobody answered");
        await AgeEventsAsync(tenant.Id, await LastEventIdAsync(tenant));
        await AgeLedgerAsync(wamid);
        await UntilAsync(async () => await stack.Database.CountAsync(tenant.Id, "select count(*) from outbox") == 0
                                     && await stack.Database.LedgerRowsContainingAsync(wamid) == 0);

        var head = await stack.Database.CountAsync(tenant.Id, "select position from tenant_streams");
        Assert.True(head > 0);
        Assert.Equal(HttpStatusCode.Gone, await CatchUpStatusAsync(tenant, 0));
        var agent = await stack.LoginAgentAsync(tenant);
        var page = await agent.GetJsonAsync($"/api/events?after={head}");
        Assert.Equal(0, page.GetProperty("events").GetArrayLength());
        Assert.Equal(head, page.GetProperty("latestPosition").GetInt64());
    }
}
