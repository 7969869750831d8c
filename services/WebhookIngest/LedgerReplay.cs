using System.Text.Json;
using Npgsql;

namespace Inbox.WebhookIngest;

/// <summary>
/// Re-processes the ledger's envelopes received in a time range, oldest first — after a fix, or once a number
/// that was unknown has been added. Idempotent: wamids are unique, statuses only move forward, reactions keep the
/// latest, so replaying twice changes nothing twice. Each row's outcome is updated in place. Each envelope's stored
/// signature is verified again and bounds what it may write (<see cref="SignatureScope"/>): a number added since does
/// not receive envelopes its app never signed; one no current secret verifies is skipped.
/// </summary>
public sealed class LedgerReplay(NpgsqlDataSource dataSource, WebhookIngestor ingestor, WebhookAuthentication authentication)
{
    public sealed record Summary(int Envelopes, int Stored, int Duplicates, int Unreadable, int Unverified);

    public async Task<Summary> ReplayAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var ids = new List<long>();
        await using (var command = dataSource.CreateCommand(
                         "select id from webhook_ledger where received_at >= $1 and received_at < $2 order by id"))
        {
            command.Parameters.Add(new() { Value = from });
            command.Parameters.Add(new() { Value = to });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) ids.Add(reader.GetInt64(0));
        }

        int stored = 0, duplicates = 0, unreadable = 0, unverified = 0;
        foreach (var id in ids)
        {
            byte[] body;
            string signature;
            await using (var command = dataSource.CreateCommand("select body, coalesce(signature, '') from webhook_ledger where id = $1"))
            {
                command.Parameters.Add(new() { Value = id });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                await reader.ReadAsync(cancellationToken);
                (body, signature) = ((byte[])reader[0], reader.GetString(1));
            }
            if (await authentication.VerifyAsync(body, signature, cancellationToken) is not { } scope)
            {
                unverified++;
                continue;
            }
            JsonDocument document;
            try { document = JsonDocument.Parse(body); }
            catch (JsonException) { unreadable++; continue; }
            using (document)
            {
                var report = await ingestor.ReplayAsync(id, scope, document.RootElement, cancellationToken);
                stored += report.Stored;
                duplicates += report.Duplicates;
            }
        }
        return new Summary(ids.Count, stored, duplicates, unreadable, unverified);
    }
}
