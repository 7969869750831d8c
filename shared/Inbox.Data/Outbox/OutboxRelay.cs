using System.Diagnostics;
using System.Text.Json;
using Inbox.Contracts;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Inbox.Data.Outbox;

/// <summary>
/// Publishes committed outbox rows to RabbitMQ through MassTransit, one relay at a time (a PostgreSQL advisory lock
/// held for the whole drain). Each step of the drain is one round trip (<c>outbox_relay_step</c>): it moves the
/// published mark past what the previous step published (rows go out in relay order, so one number says it),
/// numbers the stream events committed since (positions per tenant, sequences per conversation — committed before
/// they are published, so a re-publish carries the same numbers) and returns the next rows. Stream events go out as
/// one <see cref="TenantStreamBatch"/> per tenant, in position order; commands one by one. Rows count as published
/// only after the broker confirmed them: a broker outage only delays (the publish times out and the rows wait for
/// the next drain). Delivery is at least once; consumers de-duplicate.
/// <para>
/// A drain that published a short batch (everything there was) does not run one more step just to mark it: the mark
/// goes with this publisher's next step — the next drain, at the latest the relay's sweep — so a quiet stream costs one
/// step per drain, not two. Until then those rows still look unpublished: the step records that this relay was handed
/// them, and a relay of another process that takes the lock meanwhile skips them (for 10 s, after which this one is
/// presumed dead and they go out again; consumers de-duplicate).
/// </para>
/// </summary>
public sealed class OutboxPublisher(NpgsqlDataSource dataSource, IBus bus, ILogger<OutboxPublisher> logger)
{
    private const int BatchSize = 500;
    private const long RelayLock = 7275726;
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(5);

    private readonly Guid _relayId = Guid.NewGuid(); // which relay the database handed rows to
    private readonly Lock _unmarkedLock = new();
    private long? _unmarked; // the relay order this publisher published through and has not marked yet

    private sealed record Row(long Id, Guid TenantId, string Type, string Payload, bool Streamed, Guid? ConversationId,
        long? Position, long? Sequence, long RelayOrder, DateTimeOffset CreatedAt, string? TraceParent);

    /// <summary>
    /// Publishes rows until none is left (with <paramref name="minAge"/>, only once some row has waited that long);
    /// returns how many. When another relay holds the lock it publishes whatever is committed, this one's rows
    /// included, until it finds none; so only a drain woken by a fresh commit (<paramref name="waitWhileBusy"/>) waits
    /// and tries again, on the same connection, in case that commit landed after the holder's last look. A timed
    /// sweep leaves it to the holder.
    /// </summary>
    public async Task<int> DrainAsync(TimeSpan minAge, CancellationToken cancellationToken, bool waitWhileBusy = false)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        for (var busy = 0; !await ScalarAsync<bool>(connection, "select pg_try_advisory_lock($1)", RelayLock, cancellationToken); busy++)
        {
            if (!waitWhileBusy || busy == 200) return 0;
            await Task.Delay(10, cancellationToken);
        }
        try
        {
            return await DrainHoldingTheLockAsync(connection, minAge, cancellationToken);
        }
        finally
        {
            // A broken connection ended its session, and the lock with it; a pooled one is unlocked here.
            if (connection.State == System.Data.ConnectionState.Open)
                await ScalarAsync<bool>(connection, "select pg_advisory_unlock($1)", RelayLock, CancellationToken.None);
        }
    }

    private async Task<int> DrainHoldingTheLockAsync(NpgsqlConnection connection, TimeSpan minAge, CancellationToken cancellationToken)
    {
        var total = 0;
        long? publishedThrough;
        lock (_unmarkedLock) publishedThrough = _unmarked;
        while (true)
        {
            var rows = await StepAsync(connection, _relayId, publishedThrough, minAge, cancellationToken);
            Marked(publishedThrough);
            if (rows.Count == 0) return total; // that step also marked the last batch
            await PublishAsync(rows, cancellationToken);
            var now = DateTimeOffset.UtcNow; // created_at is the database's now(): wall clocks, not a test's TimeProvider
            foreach (var row in rows) OutboxTelemetry.RecordPublished(row.CreatedAt, now);
            publishedThrough = rows[^1].RelayOrder; // rows come in relay order
            total += rows.Count;
            logger.LogDebug("Published {Count} outbox rows", rows.Count);
            if (rows.Count < BatchSize && minAge == TimeSpan.Zero)
            {
                // That was all there was when the step ran: the next step marks it (see the class summary).
                lock (_unmarkedLock) _unmarked = Math.Max(_unmarked ?? 0, publishedThrough.Value);
                return total;
            }
        }
    }

    /// <summary>A step marked through <paramref name="through"/>: forget it, unless a later batch is waiting for its mark.</summary>
    private void Marked(long? through)
    {
        if (through is null) return;
        lock (_unmarkedLock)
            if (_unmarked <= through) _unmarked = null;
    }

    /// <summary>Whether a published batch still waits for its mark (the relay's sweep comes back for it).</summary>
    public bool HasUnmarked
    {
        get { lock (_unmarkedLock) return _unmarked is not null; }
    }

    private static async Task<List<Row>> StepAsync(
        NpgsqlConnection connection, Guid relayId, long? publishedThrough, TimeSpan minAge, CancellationToken cancellationToken)
    {
        var rows = new List<Row>();
        await using var step = new NpgsqlCommand("""
            select id, tenant_id, message_type,
                   (case when streamed then payload || jsonb_build_object('position', stream_position, 'sequence', stream_sequence)
                         else payload end)::text,
                   streamed, conversation_id, stream_position, stream_sequence, relay_order, created_at, trace_parent
            from outbox_relay_step($1, $2, $3, $4)
            """, connection);
        step.Parameters.Add(new() { Value = relayId });
        step.Parameters.Add(new() { Value = (object?)publishedThrough ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        step.Parameters.Add(new() { Value = BatchSize });
        step.Parameters.Add(new() { Value = minAge });
        await using var reader = await step.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            rows.Add(new Row(reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetBoolean(4),
                reader.IsDBNull(5) ? null : reader.GetGuid(5), reader.IsDBNull(6) ? null : reader.GetInt64(6),
                reader.IsDBNull(7) ? null : reader.GetInt64(7), reader.GetInt64(8), reader.GetFieldValue<DateTimeOffset>(9),
                reader.IsDBNull(10) ? null : reader.GetString(10)));
        return rows;
    }

    /// <summary>
    /// Each tenant's stream events as one message (in the trace of its first traced row), commands one by one; all
    /// awaited together.
    /// </summary>
    private async Task PublishAsync(List<Row> rows, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PublishTimeout);
        var streams = rows.Where(r => r.Streamed).GroupBy(r => r.TenantId).Select(tenantRows =>
        {
            var events = tenantRows.OrderBy(r => r.Position).Select(r => new TenantStreamBatch.Item(r.Type,
                new StreamedEvent(r.Position!.Value, r.Sequence, r.ConversationId, HubEvents.NameOf(OutboxEvents.ResolveType(r.Type)),
                    JsonSerializer.Deserialize<JsonElement>(r.Payload)))).ToList();
            var first = tenantRows.First();
            return PublishAsync(new TenantStreamBatch(tenantRows.Key, events), typeof(TenantStreamBatch), first.Id, first.TenantId,
                tenantRows.FirstOrDefault(r => r.TraceParent is not null)?.TraceParent, timeout.Token);
        });
        var commands = rows.Where(r => !r.Streamed).Select(r =>
        {
            var type = OutboxEvents.ResolveType(r.Type);
            return PublishAsync(JsonSerializer.Deserialize(r.Payload, type, OutboxEvents.Json)!, type, r.Id, r.TenantId, r.TraceParent, timeout.Token);
        });
        await Task.WhenAll(streams.Concat(commands));
    }

    private Task PublishAsync(object message, Type type, long outboxId, Guid tenantId, string? traceParent, CancellationToken cancellationToken)
    {
        return OutboxTelemetry.Traces(traceParent) ? PublishInTraceAsync() : Publish(); // untraced: no extra await

        Task Publish() => bus.Publish(message, type, context =>
        {
            context.MessageId = MessageIdFor(outboxId);
            context.Headers.Set(TenantHeader.Name, tenantId.ToString());
        }, cancellationToken);

        // The span is Activity.Current for this publish only: an async method's changes to it stay inside.
        async Task PublishInTraceAsync()
        {
            using var span = OutboxTelemetry.StartPublish(traceParent!);
            await Publish();
        }
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, long key, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new() { Value = key });
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The same row always gets the same message id, so a re-publish is recognisable downstream.</summary>
    public static Guid MessageIdFor(long outboxId)
    {
        Span<byte> bytes = stackalloc byte[16];
        "inbox-outbox"u8.CopyTo(bytes);
        BitConverter.TryWriteBytes(bytes[8..], outboxId);
        return new Guid(bytes);
    }
}

/// <summary>
/// Runs the publisher in the process that writes the outbox: woken by <see cref="OutboxSignal"/> right after a
/// commit, and every few seconds anyway as the sweep for anything left behind (a crash, a broker outage). Under a
/// steady stream of commits, drains start at least <see cref="OutboxRelaySettings.DrainSpacing"/> apart, so the
/// commits of that time share one step and one bus message per tenant instead of one each; a commit after a quiet
/// spell is published at once.
/// </summary>
public sealed class OutboxRelay(OutboxPublisher publisher, OutboxSignal signal, OutboxRelaySettings settings,
    ILogger<OutboxRelay> logger) : BackgroundService
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(2);

    /// <summary>How soon a drain that left its last batch unmarked comes back to mark it, if no commit wakes it first.</summary>
    private static readonly TimeSpan MarkInterval = TimeSpan.FromMilliseconds(250);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        var woken = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var started = Stopwatch.GetTimestamp(); // real time, whatever clock a test gives the rest
                await publisher.DrainAsync(TimeSpan.Zero, stoppingToken, waitWhileBusy: woken);
                failures = 0;
                woken = await signal.WaitAsync(publisher.HasUnmarked ? MarkInterval : SweepInterval, stoppingToken);
                var early = settings.DrainSpacing - Stopwatch.GetElapsedTime(started);
                if (woken && early > TimeSpan.Zero) await Task.Delay(early, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                logger.LogWarning(ex, "Outbox relay could not publish (attempt {Attempt}); rows stay queued", failures);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(10, failures)), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }
}

/// <summary>Outbox:DrainSpacing (10 ms): the least time between the starts of two drains woken by commits.</summary>
public sealed record OutboxRelaySettings(TimeSpan DrainSpacing)
{
    public static OutboxRelaySettings From(IConfiguration configuration) =>
        new(configuration.GetValue<TimeSpan?>("Outbox:DrainSpacing") ?? TimeSpan.FromMilliseconds(10));
}
