using System.Text.Json;
using System.Text.Json.Nodes;
using Inbox.Contracts;
using Inbox.Data;
using Inbox.Data.Outbox;
using Inbox.Tenancy;
using Inbox.WhatsApp;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace Inbox.WebhookIngest;

/// <summary>
/// Stores one webhook envelope in one transaction: the raw envelope in the ledger and, for every change of every
/// entry, each message, reaction and status of a known number, with the outbox events they cause. The tenant
/// comes from metadata.phone_number_id and is set per change, so row-level security checks every row written.
/// Each item runs under its own savepoint: one bad item never fails the batch. Re-running an envelope (a Meta
/// retry, a replay) changes nothing twice: wamids are unique and statuses only move forward.
/// </summary>
public sealed class WebhookIngestor(NpgsqlDataSource dataSource, ILogger<WebhookIngestor> logger)
{
    /// <summary>Stores a newly received envelope.</summary>
    public Task<IngestReport> IngestAsync(byte[] body, string signature, JsonElement root, CancellationToken cancellationToken) =>
        RunAsync(root, ledgerId: null, body, signature, cancellationToken);

    /// <summary>Processes a ledger row again (after a fix or a late channel), updating its outcome in place.</summary>
    public Task<IngestReport> ReplayAsync(long ledgerId, JsonElement root, CancellationToken cancellationToken) =>
        RunAsync(root, ledgerId, null, null, cancellationToken);

    /// <summary>A signed body that is not JSON is still kept, so nothing Meta sent is lost.</summary>
    public async Task RecordUnreadableAsync(byte[] body, string signature, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "insert into webhook_ledger (signature, body, outcome) values ($1, $2, 'not_json')", connection);
        command.Parameters.Add(new() { Value = signature });
        command.Parameters.Add(new() { Value = body });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<IngestReport> RunAsync(
        JsonElement root, long? ledgerId, byte[]? body, string? signature, CancellationToken cancellationToken)
    {
        var report = new IngestReport();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var tenant = new TenantContext();
        await using var db = new InboxDbContext(
            new DbContextOptionsBuilder<InboxDbContext>().UseNpgsql(connection).Options, tenant);
        await db.Database.UseTransactionAsync(transaction, cancellationToken);

        foreach (var change in WebhookEnvelope.Changes(root))
            await new ChangeIngestion(connection, db, tenant, report).RunAsync(change, cancellationToken);

        await using (var ledger = ledgerId is { } id
            ? new NpgsqlCommand("""
                update webhook_ledger set outcome = $1, detail = $2, replayed_at = now(), replay_count = replay_count + 1
                where id = $3
                """, connection) { Parameters = { new() { Value = id } } }
            : new NpgsqlCommand(
                "insert into webhook_ledger (outcome, detail, signature, body) values ($1, $2, $3, $4)", connection)
            {
                Parameters = { new() { Value = signature! }, new() { Value = body! } },
            })
        {
            ledger.Parameters.Insert(0, new() { Value = report.Outcome });
            ledger.Parameters.Insert(1, new() { Value = report.ToJson(), NpgsqlDbType = NpgsqlDbType.Jsonb });
            await ledger.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        if (report.Rejected.Count > 0)
            logger.LogWarning("Webhook stored with {Count} rejected items: {Items}", report.Rejected.Count, report.ToJson());
        return report;
    }
}
