using System.Net;
using Inbox.Data;
using Inbox.Tests.Integration.Infrastructure;
using Inbox.WebhookIngest;
using Npgsql;

namespace Inbox.Tests.Integration;

/// <summary>
/// How webhooks share the database: one tenant's writers of different conversations never wait for each other, and
/// webhooks that arrive together are stored in one transaction, each answered only once it is committed.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class IngestConcurrencyTests(InboxStack stack)
{
    private const string MessagesWithWamid = "select count(*) from messages where wamid = $1";

    /// <summary>
    /// A transaction of the tenant that wrote an event for one conversation and is still open (an agent's send, a
    /// Workers status update) must not hold up a webhook for another conversation of the same tenant — it did while
    /// every event writer held the tenant's stream row to its commit.
    /// </summary>
    [Fact]
    public async Task A_webhook_is_stored_while_another_transaction_of_the_tenant_holds_an_event_of_another_conversation()
    {
        var tenant = await stack.CreateTenantAsync();
        var first = new TextItem("4917200000001", "Open", Webhooks.NewWamid(), "first");
        Assert.Equal(HttpStatusCode.OK, (await stack.Ingest.Http.SendAsync(Webhooks.Signed(
            Webhooks.Envelope([Webhooks.TextChange(tenant.PhoneNumberId, first)])))).StatusCode);
        var busyConversation = (Guid)(await stack.Database.ScalarAsync(tenant.Id,
            "select conversation_id from messages where wamid = $1", first.Wamid))!;

        await using var connection = await stack.Database.OpenConnectionAsync();
        await using var open = await connection.BeginTransactionAsync();
        await using (var setTenant = TenantSql.SetTenant(connection, tenant.Id, transactionLocal: true))
            await setTenant.ExecuteNonQueryAsync();
        await using (var holdEvent = new NpgsqlCommand("""
            insert into outbox (tenant_id, message_type, payload, streamed, conversation_id)
            values ($1, 'Inbox.Contracts.ConversationUpdated', '{}', true, $2)
            """, connection, open) { Parameters = { new() { Value = tenant.Id }, new() { Value = busyConversation } } })
            await holdEvent.ExecuteNonQueryAsync();

        var other = new TextItem("4917200000002", "Other", Webhooks.NewWamid(), "meanwhile");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var response = await stack.Ingest.Http.SendAsync(Webhooks.Signed(
            Webhooks.Envelope([Webhooks.TextChange(tenant.PhoneNumberId, other)])), timeout.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, await stack.Database.CountAsync(tenant.Id, MessagesWithWamid, other.Wamid));
        await open.RollbackAsync();
    }

    /// <summary>
    /// With one transaction at a time, webhooks posted together are stored together (their ledger rows share a
    /// transaction id), and each is answered 200 only when its message can already be read.
    /// </summary>
    [Fact]
    public async Task Webhooks_arriving_together_share_a_commit_and_each_is_acknowledged_after_it()
    {
        await using var ingest = new ServiceHost<WebhookIngestor>(new() { ["Ingest:MaxConcurrency"] = "1" });
        ingest.Start();
        var tenants = new[] { await stack.CreateTenantAsync(), await stack.CreateTenantAsync() };
        var items = Enumerable.Range(0, 24).Select(i => (Tenant: tenants[i % 2],
            Item: new TextItem($"49172000001{i:D2}", $"Customer {i}", Webhooks.NewWamid(), $"together {i}"))).ToList();

        var outcomes = await Task.WhenAll(items.Select(async x =>
        {
            var response = await ingest.Http.SendAsync(Webhooks.Signed(Webhooks.Envelope([Webhooks.TextChange(x.Tenant.PhoneNumberId, x.Item)])));
            return (response.StatusCode, Stored: await stack.Database.CountAsync(x.Tenant.Id, MessagesWithWamid, x.Item.Wamid));
        }));

        Assert.All(outcomes, o => Assert.Equal((HttpStatusCode.OK, 1L), o));
        const string ofNumbers = "from webhook_ledger where position(convert_to($1, 'UTF8') in body) > 0 or position(convert_to($2, 'UTF8') in body) > 0";
        var rows = await stack.Database.CountAsync(null, "select count(*) " + ofNumbers, tenants[0].PhoneNumberId, tenants[1].PhoneNumberId);
        var transactions = await stack.Database.CountAsync(null, "select count(distinct xmin::text) " + ofNumbers,
            tenants[0].PhoneNumberId, tenants[1].PhoneNumberId);
        Assert.Equal(24, rows); // each webhook kept once
        Assert.True(transactions < rows, $"{rows} webhooks were stored in {transactions} transactions: none shared a commit");
    }
}
