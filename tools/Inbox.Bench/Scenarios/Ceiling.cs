using System.Diagnostics;
using System.Text;
using Inbox.Contracts;
using Inbox.Data;
using Inbox.Data.Outbox;
using Npgsql;
using NpgsqlTypes;

namespace Inbox.Bench.Scenarios;

/// <summary>
/// 5. The ceiling: the ingest transaction's SQL alone, in a raw Npgsql loop from <c>--workers</c> connections (16),
/// against the same database, in the same run — the same statements WebhookIngest runs for a one-message webhook
/// (set the tenant, ingest_inbound_message, the conversation row, two outbox events, the ledger row)
/// in as few round trips as they allow, without HTTP, JSON parsing, signatures or EF. Then the same number of
/// closed-loop HTTP senders against WebhookIngest for the same time: ingest ÷ ceiling. Option --ceiling-duration (15 s).
/// The ceiling's outbox rows are written as already published, so the relay does not also fan them out.
/// </summary>
public static class Ceiling
{
    public const string Name = "5. ceiling";

    public static async Task<ScenarioResult> RunAsync(BenchTarget target, IReadOnlyList<BenchTenant> tenants, BenchOptions options, CancellationToken cancellationToken)
    {
        var workers = options.Int("workers", 16);
        var duration = TimeSpan.FromSeconds(options.Double(["ceiling-duration", "duration"], 15));
        var result = new ScenarioResult(Name) { Parameters = { ["workers"] = workers, ["duration s"] = duration.TotalSeconds, ["tenants"] = tenants.Count } };
        await using var database = target.OpenDatabase(workers + 4);

        var run = Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var committed = new List<string>[workers];
        var latency = new Latencies();
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async w =>
        {
            committed[w] = [];
            await using var connection = await database.OpenConnectionAsync(cancellationToken);
            for (var i = 0; Stopwatch.GetTimestamp() < deadline; i++)
            {
                var began = Stopwatch.GetTimestamp();
                var wamid = $"wamid.CEIL{run}{w:D3}{i:D8}";
                await IngestOneAsync(connection, tenants[w % tenants.Count], wamid, i, cancellationToken);
                latency.AddSince(began);
                committed[w].Add(wamid);
            }
        }));
        var rawTook = Stopwatch.GetElapsedTime(start);
        var raw = committed.Sum(c => c.Count) / rawTook.TotalSeconds;

        using var load = new WebhookLoad(target);
        var (requests, httpTook) = await load.RunClosedLoopAsync(tenants, workers, duration, cancellationToken);
        var http = load.AcknowledgedCount / httpTook.TotalSeconds;
        result.LoadAfter = SystemStats.LoadAverage();

        var ceilingPersisted = new List<string>();
        foreach (var tenant in tenants)
        {
            var ids = Enumerable.Range(0, workers).Where(w => w % tenants.Count == tenant.Index - 1).SelectMany(w => committed[w]).ToList();
            ceilingPersisted.AddRange(await BenchTenants.PersistedAsync(database, tenant.Id, ids, cancellationToken));
        }
        var persisted = await LoadCheck.PersistedAsync(database, tenants, load, cancellationToken);

        result.Metric("ceiling (raw SQL transactions)", raw, "tx/s").Latency("ceiling tx latency", latency.Summarize());
        result.Metric("ingest (HTTP, closed loop)", http, "acks/s").Latency("ingest ack latency", load.AckLatency.Summarize());
        result.Metric("ingest non-2xx", load.NotAcknowledged, "").Metric("ingest ÷ ceiling", 100 * http / raw, "%");
        result.Reconciliation = new Reconciliation
        {
            Acknowledged = [.. committed.SelectMany(c => c), .. load.Acknowledged.Values.SelectMany(ids => ids)],
            Persisted = [.. ceilingPersisted, .. persisted.Values.SelectMany(ids => ids)],
        }.Check();
        result.Target("ingest ÷ ceiling", 100 * http / raw, 50, atLeast: true, "%");
        return result;
    }

    /// <summary>One message's ingest transaction: two round trips and the commit.</summary>
    private static async Task IngestOneAsync(NpgsqlConnection connection, BenchTenant tenant, string wamid, int i, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var from = $"49171{tenant.Index:D3}{i % WebhookLoad.CustomersPerTenant:D5}";
        var text = $"Ceiling message {i}: hello, is my order on its way?";
        var messageId = Guid.CreateVersion7();
        var sentAt = DateTimeOffset.UtcNow;
        var raw = $$$"""{"from":"{{{from}}}","id":"{{{wamid}}}","timestamp":"{{{sentAt.ToUnixTimeSeconds()}}}","type":"text","text":{"body":"{{{text}}}"}}""";
        Guid conversationId, contactId;
        await using (var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                TenantSql.SetTenantInBatch(tenant.Id),
                new("""
                    select conversation_id, contact_id from ingest_inbound_message(
                        $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
                    """)
                {
                    Parameters =
                    {
                        P(tenant.Id), P(tenant.ChannelId), T(from), T(null), T("Ceiling customer"), P(Guid.CreateVersion7()),
                        P(Guid.CreateVersion7()), P(messageId), P(wamid), P("text"), T(text), J("""{"body":"x"}"""), J(raw), P(sentAt),
                        T(text), T(null), T(null), J(null), P(true), T(null), J(null), P(Guid.CreateVersion7()),
                    },
                },
            },
        })
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            while (reader.FieldCount == 0 || reader.GetName(0) != "conversation_id") // past set_config's row
                if (!await reader.NextResultAsync(cancellationToken)) throw new InvalidOperationException("ingest_inbound_message returned nothing");
            await reader.ReadAsync(cancellationToken);
            (conversationId, contactId) = (reader.GetGuid(0), reader.GetGuid(1));
        }
        var snapshot = new MessageSnapshot(messageId, conversationId, wamid, "inbound", "text", text, null, sentAt,
            null, null, null, null, null, null, null, null, null, []);
        var received = OutboxEvents.Create(tenant.Id, new MessageReceived(tenant.Id, conversationId, contactId, "Ceiling customer", from, snapshot));
        await using (var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new("""
                    insert into outbox (tenant_id, message_type, payload, streamed, conversation_id, relay_order)
                    values ($1, $2, $3::jsonb, true, $4, 0)
                    """) { Parameters = { P(tenant.Id), P(received.MessageType), P(received.Payload), P(conversationId) } },
                new("""
                    insert into outbox (tenant_id, message_type, payload, streamed, conversation_id, relay_order)
                    select $1, $2, jsonb_build_object('tenantId', $1, 'conversation', to_jsonb(c)), true, c.id, 0
                    from conversations c where c.id = $3
                    """) { Parameters = { P(tenant.Id), P(typeof(ConversationUpdated).FullName!), P(conversationId) } },
                new("insert into webhook_ledger (outcome, detail, signature, body) values ('routed', '{\"stored\":1}', 'sha256=ceiling', $1)")
                {
                    Parameters = { P(Encoding.UTF8.GetBytes(raw)) },
                },
            },
        })
            await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private static NpgsqlParameter P<T>(T value) => new NpgsqlParameter<T> { TypedValue = value };

    private static NpgsqlParameter T(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter J(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb };
}
