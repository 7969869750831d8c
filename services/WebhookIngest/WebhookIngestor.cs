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
/// Stores webhook envelopes — one, or several that arrived together (group commit, see <see cref="IngestQueue"/>) — in
/// one transaction: each raw envelope in the ledger and, for every change of every entry, each message, reaction
/// and status of a known number, with the outbox events they cause. The tenant comes from metadata.phone_number_id
/// and is set per change, so row-level security checks every row written. Each item runs under its own savepoint:
/// one bad item never fails the batch. Re-running an envelope (a Meta retry, a replay) changes nothing twice: wamids
/// are unique and statuses only move forward.
/// </summary>
public sealed class WebhookIngestor(NpgsqlDataSource dataSource, ILogger<WebhookIngestor> logger)
{
    /// <summary>
    /// One envelope to store: as received (body and signature, for a new ledger row) or a ledger row to process again,
    /// with the scope its signature grants. <see cref="Report"/> says what became of it once stored.
    /// </summary>
    public sealed class Envelope(JsonElement root, SignatureScope scope, byte[]? body, string? signature, long? ledgerId = null)
    {
        public JsonElement Root { get; } = root;
        public SignatureScope Scope { get; } = scope;
        public IngestReport Report { get; internal set; } = new();

        /// <summary>
        /// Envelopes stored together lock their conversations in this order (number, then customer), so two
        /// transactions of groups never wait for each other's conversations in a cycle.
        /// </summary>
        public string LockOrder { get; } = LockOrderOf(root);

        /// <summary>The trace of the request that brought it (null unless sampled): its events are published in it.</summary>
        public string? TraceParent { get; } = OutboxTelemetry.CurrentTraceParent();

        internal byte[]? Body { get; } = body;
        internal string? Signature { get; } = signature;
        internal long? LedgerId { get; } = ledgerId;

        private static string LockOrderOf(JsonElement root)
        {
            WebhookChange? change;
            try { change = WebhookEnvelope.Changes(root).FirstOrDefault(); }
            catch (InvalidOperationException) { return ""; } // a shape the walker does not know: it is stored anyway
            if (change is null) return "";
            var customer = change.Messages.Select(m => Json.String(m, "from"))
                .Concat(change.Statuses.Select(s => Json.String(s, "recipient_id"))).FirstOrDefault();
            return $"{change.PhoneNumberId}/{customer}";
        }


    }

    /// <summary>Stores one envelope in its own transaction.</summary>
    public async Task<IngestReport> IngestAsync(
        byte[] body, string signature, SignatureScope scope, JsonElement root, CancellationToken cancellationToken)
    {
        var envelope = new Envelope(root, scope, body, signature);
        await StoreAsync([envelope], cancellationToken);
        return envelope.Report;
    }

    /// <summary>Processes a ledger row again (after a fix or a late channel), updating its outcome in place.</summary>
    public async Task<IngestReport> ReplayAsync(long ledgerId, SignatureScope scope, JsonElement root, CancellationToken cancellationToken)
    {
        var envelope = new Envelope(root, scope, null, null, ledgerId);
        await StoreAsync([envelope], cancellationToken);
        return envelope.Report;
    }

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

    /// <summary>
    /// Stores the envelopes in one transaction, in their lock order. Every envelope's report is filled in; if the
    /// transaction fails, nothing of any of them is stored and the exception says why.
    /// </summary>
    public async Task StoreAsync(IReadOnlyList<Envelope> envelopes, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var tenant = new TenantContext();
        await using var db = new InboxDbContext(
            new DbContextOptionsBuilder<InboxDbContext>().UseNpgsql(connection).Options, tenant);
        await db.Database.UseTransactionAsync(transaction, cancellationToken);

        var session = new IngestSession(connection, tenant);
        foreach (var envelope in envelopes.OrderBy(e => e.LockOrder, StringComparer.Ordinal))
        {
            envelope.Report = new IngestReport();
            session.TraceParent = envelope.TraceParent;
            try
            {
                foreach (var change in WebhookEnvelope.Changes(envelope.Root))
                {
                    if (!envelope.Scope.Allows(change.PhoneNumberId))
                    {
                        envelope.Report.AddRejected(change.PhoneNumberId, "not signed by this number's app"); // kept in the ledger only
                        continue;
                    }
                    await new ChangeIngestion(session, db, envelope.Report).RunAsync(change, cancellationToken);
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException or FormatException or JsonException or WebhookItemException)
            {
                // A shape no reader expected: what was read is stored, the rest stays in the ledger for a replay after a fix.
                envelope.Report.AddRejected(null, "unreadable envelope: " + ex.Message);
            }
        }
        var outbox = await session.OutboxAsync(db, cancellationToken);

        // The events and the ledger rows in one round trip; each tenant's events under that tenant (row-level security).
        await using var batch = new NpgsqlBatch(connection);
        foreach (var (tenantId, rows) in outbox)
        {
            batch.BatchCommands.Add(TenantSql.SetTenantInBatch(tenantId));
            batch.BatchCommands.Add(OutboxInsert(tenantId, rows));
        }
        foreach (var envelope in envelopes)
        {
            var report = envelope.Report;
            batch.BatchCommands.Add(envelope.LedgerId is { } id
                ? new NpgsqlBatchCommand("""
                    update webhook_ledger set outcome = $1, detail = $2, replayed_at = now(), replay_count = replay_count + 1
                    where id = $3
                    """) { Parameters = { Outcome(report), Detail(report), new() { Value = id } } }
                : new NpgsqlBatchCommand("insert into webhook_ledger (outcome, detail, signature, body) values ($1, $2, $3, $4)")
                {
                    Parameters = { Outcome(report), Detail(report), new() { Value = envelope.Signature! }, new() { Value = envelope.Body! } },
                });
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        foreach (var report in envelopes.Select(e => e.Report).Where(r => r.Rejected.Count > 0))
            logger.LogWarning("Webhook stored with {Count} rejected items: {Items}", report.Rejected.Count, report.ToJson());
    }

    private static NpgsqlParameter Outcome(IngestReport report) => new() { Value = report.Outcome };

    private static NpgsqlParameter Detail(IngestReport report) => new() { Value = report.ToJson(), NpgsqlDbType = NpgsqlDbType.Jsonb };

    private static NpgsqlBatchCommand OutboxInsert(Guid tenantId, IReadOnlyList<OutboxMessage> rows) => new("""
        insert into outbox (tenant_id, message_type, payload, streamed, conversation_id, trace_parent)
        select $1, t, p::jsonb, s, c, tp
        from unnest($2::text[], $3::text[], $4::boolean[], $5::uuid[], $6::text[]) with ordinality as u(t, p, s, c, tp, n)
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
            new() { Value = rows.Select(r => r.TraceParent).ToArray() },
        },
    };
}
