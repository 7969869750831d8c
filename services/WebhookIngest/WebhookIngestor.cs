using System.Text.Json;
using System.Text.Json.Nodes;
using Inbox.Contracts;
using Inbox.Data;
using Inbox.Data.Entities;
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
    public Task<IngestReport> IngestAsync(
        byte[] body, string signature, SignatureScope scope, JsonElement root, CancellationToken cancellationToken) =>
        RunAsync(root, scope, ledgerId: null, body, signature, cancellationToken);

    /// <summary>Processes a ledger row again (after a fix or a late channel), updating its outcome in place.</summary>
    public Task<IngestReport> ReplayAsync(long ledgerId, SignatureScope scope, JsonElement root, CancellationToken cancellationToken) =>
        RunAsync(root, scope, ledgerId, null, null, cancellationToken);

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
        JsonElement root, SignatureScope scope, long? ledgerId, byte[]? body, string? signature, CancellationToken cancellationToken)
    {
        var report = new IngestReport();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var tenant = new TenantContext();
        await using var db = new InboxDbContext(
            new DbContextOptionsBuilder<InboxDbContext>().UseNpgsql(connection).Options, tenant);
        await db.Database.UseTransactionAsync(transaction, cancellationToken);

        var outbox = new List<(Guid TenantId, IReadOnlyList<OutboxMessage> Rows)>();
        foreach (var change in WebhookEnvelope.Changes(root))
        {
            if (!scope.Allows(change.PhoneNumberId))
            {
                report.AddRejected(change.PhoneNumberId, "not signed by this number's app"); // kept in the ledger only
                continue;
            }
            var ingestion = new ChangeIngestion(connection, db, tenant, report);
            await ingestion.RunAsync(change, cancellationToken);
            if (ingestion.Outbox is { } events) outbox.Add(events);
        }

        // The events and the ledger row in one round trip; each tenant's events under that tenant (row-level security).
        await using var batch = new NpgsqlBatch(connection);
        foreach (var (tenantId, rows) in outbox)
        {
            batch.BatchCommands.Add(new("select set_config('app.tenant_id', $1, true)") { Parameters = { new() { Value = tenantId.ToString() } } });
            batch.BatchCommands.Add(OutboxInsert(tenantId, rows));
        }
        batch.BatchCommands.Add(ledgerId is { } id
            ? new NpgsqlBatchCommand("""
                update webhook_ledger set outcome = $1, detail = $2, replayed_at = now(), replay_count = replay_count + 1
                where id = $3
                """) { Parameters = { Outcome(report), Detail(report), new() { Value = id } } }
            : new NpgsqlBatchCommand("insert into webhook_ledger (outcome, detail, signature, body) values ($1, $2, $3, $4)")
            {
                Parameters = { Outcome(report), Detail(report), new() { Value = signature! }, new() { Value = body! } },
            });
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (report.Rejected.Count > 0)
            logger.LogWarning("Webhook stored with {Count} rejected items: {Items}", report.Rejected.Count, report.ToJson());
        return report;
    }

    private static NpgsqlParameter Outcome(IngestReport report) => new() { Value = report.Outcome };

    private static NpgsqlParameter Detail(IngestReport report) => new() { Value = report.ToJson(), NpgsqlDbType = NpgsqlDbType.Jsonb };

    private static NpgsqlBatchCommand OutboxInsert(Guid tenantId, IReadOnlyList<OutboxMessage> rows) => new("""
        insert into outbox (tenant_id, message_type, payload, streamed, conversation_id)
        select $1, t, p::jsonb, s, c
        from unnest($2::text[], $3::text[], $4::boolean[], $5::uuid[]) with ordinality as u(t, p, s, c, n)
        order by n
        """)
    {
        Parameters =
        {
            new NpgsqlParameter<Guid> { TypedValue = tenantId },
            new() { Value = rows.Select(r => r.MessageType).ToArray() },
            new() { Value = rows.Select(r => r.Payload).ToArray() },
            new() { Value = rows.Select(r => r.Streamed).ToArray() },
            new() { Value = rows.Select(r => r.ConversationId).ToArray() },
        },
    };
}
