using System.Text.Json;
using Inbox.Contracts;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Inbox.Data.Outbox;

/// <summary>
/// Publishes committed outbox rows to RabbitMQ through MassTransit. Claims a batch with FOR UPDATE SKIP LOCKED
/// (several relays never publish the same row at once), publishes each row (tenants side by side, each tenant's
/// rows in order) with its tenant header and a
/// message id derived from the row, and marks the batch published only after the broker confirmed every publish.
/// A broker outage only delays: the publish times out, the claim rolls back, and the rows wait for the next try.
/// Delivery is at least once; consumers de-duplicate on the message id.
/// </summary>
public sealed class OutboxPublisher(NpgsqlDataSource dataSource, IBus bus, ILogger<OutboxPublisher> logger)
{
    private const int BatchSize = 200;
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Publishes rows at least <paramref name="minAge"/> old until none is left; returns how many. One relay
    /// publishes at a time (an advisory lock), so each tenant's events leave in stream order; when another relay
    /// holds the lock, this one waits briefly and tries again, so a fresh commit is never left for the next sweep.
    /// </summary>
    public async Task<int> DrainAsync(TimeSpan minAge, CancellationToken cancellationToken)
    {
        var total = 0;
        for (var busy = 0; busy < 200;)
        {
            var published = await PublishBatchAsync(minAge, cancellationToken);
            if (published < 0)
            {
                busy++;
                await Task.Delay(10, cancellationToken);
                continue;
            }
            total += published;
            if (published < BatchSize) return total;
        }
        return total;
    }

    private async Task<int> PublishBatchAsync(TimeSpan minAge, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("select pg_try_advisory_xact_lock(7275726)", connection, transaction))
        {
            if (!(bool)(await lockCommand.ExecuteScalarAsync(cancellationToken))!) return -1;
        }
        var rows = new List<(long Id, Guid TenantId, string Type, string Payload)>();
        await using (var claim = new NpgsqlCommand(
                         "select id, tenant_id, message_type, payload::text from outbox_claim($1, $2)", connection, transaction))
        {
            claim.Parameters.Add(new() { Value = BatchSize });
            claim.Parameters.Add(new() { Value = minAge });
            await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                rows.Add((reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3)));
        }
        if (rows.Count == 0) return 0;

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PublishTimeout);
        // A tenant's events are published one after the other, each confirmed before the next, so they leave in
        // stream order; tenants are independent, so theirs overlap (one confirm round trip per event in a row
        // was the relay's ceiling under load, seconds behind the commits: see docs/performance.md).
        await Task.WhenAll(rows.GroupBy(r => r.TenantId).Select(async tenantRows =>
        {
            foreach (var row in tenantRows)
            {
                var type = OutboxEvents.ResolveType(row.Type);
                var message = JsonSerializer.Deserialize(row.Payload, type, OutboxEvents.Json)!;
                await bus.Publish(message, type, context =>
                {
                    context.MessageId = MessageIdFor(row.Id);
                    context.Headers.Set(TenantHeader.Name, row.TenantId.ToString());
                }, timeout.Token);
            }
        }));

        await using (var mark = new NpgsqlCommand("select outbox_mark_published($1)", connection, transaction))
        {
            mark.Parameters.Add(new() { Value = rows.Select(r => r.Id).ToArray() });
            await mark.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        logger.LogDebug("Published {Count} outbox rows", rows.Count);
        return rows.Count;
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
/// commit, and every few seconds anyway as the sweep for anything left behind (a crash, a broker outage).
/// </summary>
public sealed class OutboxRelay(OutboxPublisher publisher, OutboxSignal signal, ILogger<OutboxRelay> logger)
    : BackgroundService
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await publisher.DrainAsync(TimeSpan.Zero, stoppingToken);
                failures = 0;
                await signal.WaitAsync(SweepInterval, stoppingToken);
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
