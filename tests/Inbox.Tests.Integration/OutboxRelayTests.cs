using Inbox.Tests.Integration.Infrastructure;
using Npgsql;

namespace Inbox.Tests.Integration;

/// <summary>
/// The relay step hands rows to one relay at a time: a relay marks a short batch published only with its next step,
/// and until then the relays of other processes skip those rows instead of publishing them again — unless the one
/// that has them stays silent past its lease.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class OutboxRelayTests(InboxStack stack)
{
    private const long RelayLock = 7275726; // OutboxPublisher's: held here, the stack's own relays stand aside

    [Fact]
    public async Task Rows_handed_to_one_relay_are_skipped_by_the_others_until_its_lease_ends()
    {
        var tenant = await stack.CreateTenantAsync();
        Guid one = Guid.NewGuid(), other = Guid.NewGuid();
        await using var connection = new NpgsqlConnection(TestSettings.OwnerConnectionString);
        await connection.OpenAsync();
        await ExecuteAsync(connection, "select pg_advisory_lock($1)", RelayLock);
        try
        {
            // An event the stack's relays can publish harmlessly afterwards: a session nobody holds has ended.
            var row = (long)(await stack.Database.ScalarAsync(tenant.Id, """
                insert into outbox (tenant_id, message_type, payload)
                values ($1, 'Inbox.Contracts.SessionEnded', jsonb_build_object('tenantId', $1, 'sessionId', gen_random_uuid()))
                returning id
                """, tenant.Id))!;

            var handed = await StepAsync(connection, one, null);
            Assert.Single(handed, r => r.Id == row);
            Assert.DoesNotContain(await StepAsync(connection, other, null), r => r.Id == row); // published by `one`, not marked yet
            Assert.Contains(await StepAsync(connection, one, null), r => r.Id == row); // its own: `one` may publish it again

            await ExecuteAsync(connection, "update outbox_relay_progress set handed_at = now() - interval '11 seconds'");
            Assert.Contains(await StepAsync(connection, other, null), r => r.Id == row); // `one` is presumed dead
            Assert.DoesNotContain(await StepAsync(connection, one, null), r => r.Id == row); // now `other` has it
        }
        finally
        {
            // Rows handed out here were never published: the stack's relays may take them at once.
            await ExecuteAsync(connection, "update outbox_relay_progress set handed_by = null");
            await ExecuteAsync(connection, "select pg_advisory_unlock($1)", RelayLock);
        }
    }

    private static async Task<List<(long Id, long RelayOrder)>> StepAsync(NpgsqlConnection connection, Guid relay, long? publishedThrough)
    {
        await using var command = new NpgsqlCommand("select id, relay_order from outbox_relay_step($1, $2, 500, interval '0')", connection);
        command.Parameters.Add(new() { Value = relay });
        command.Parameters.Add(new() { Value = (object?)publishedThrough ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(long, long)>();
        while (await reader.ReadAsync()) rows.Add((reader.GetInt64(0), reader.GetInt64(1)));
        return rows;
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, params object[] args)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var arg in args) command.Parameters.Add(new() { Value = arg });
        return await command.ExecuteScalarAsync();
    }

    private static Task ExecuteAsync(NpgsqlConnection connection, string sql, params object[] args) => ScalarAsync(connection, sql, args);
}
