using System.Text.Json;
using Inbox.Contracts;
using Inbox.Data;
using Inbox.Data.Outbox;
using Inbox.WhatsApp;
using Npgsql;
using NpgsqlTypes;

namespace Inbox.WebhookIngest;

/// <summary>
/// Stores one webhook envelope in one transaction: the raw envelope in the ledger and, for every change of
/// every entry, the text messages of a known number with their contact, conversation and outbox event.
/// The tenant comes from metadata.phone_number_id and is set per change, so row-level security checks every
/// row written. Each item runs under its own savepoint: one bad item never fails the batch.
/// </summary>
public sealed class WebhookIngestor(NpgsqlDataSource dataSource, ILogger<WebhookIngestor> logger)
{
    public async Task<IngestReport> IngestAsync(
        byte[] body, string signature, JsonElement root, CancellationToken cancellationToken)
    {
        var report = new IngestReport();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var change in WebhookEnvelope.Changes(root))
            await IngestChangeAsync(connection, change, report, cancellationToken);
        await InsertLedgerAsync(connection, body, signature, report.Outcome, report.ToJson(), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (report.Rejected.Count > 0)
            logger.LogWarning("Webhook stored with {Count} rejected items: {Items}", report.Rejected.Count, report.ToJson());
        return report;
    }

    /// <summary>A signed body that is not JSON is still kept, so nothing Meta sent is lost.</summary>
    public async Task RecordUnreadableAsync(byte[] body, string signature, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await InsertLedgerAsync(connection, body, signature, "not_json", null, cancellationToken);
    }

    private static async Task IngestChangeAsync(
        NpgsqlConnection connection, WebhookChange change, IngestReport report, CancellationToken cancellationToken)
    {
        if (change.Field != "messages")
        {
            report.AddDeferred($"field:{change.Field}");
            return;
        }
        var channel = await ResolveChannelAsync(connection, change.PhoneNumberId, cancellationToken);
        if (channel is null)
        {
            report.AddUnknownNumber(change.PhoneNumberId);
            return;
        }
        var (channelId, tenantId) = channel.Value;
        await using (var setTenant = TenantSql.SetTenant(connection, tenantId, transactionLocal: true))
            await setTenant.ExecuteNonQueryAsync(cancellationToken);

        report.AddDeferred("statuses", change.Statuses.Count());
        var events = new List<MessageReceived>();
        foreach (var item in change.Messages)
        {
            InboundMessage message;
            try
            {
                message = InboundMessage.Parse(item, change.Value);
            }
            catch (Exception ex) when (ex is WebhookItemException or InvalidOperationException or FormatException)
            {
                report.AddRejected(ItemId(item), ex.Message);
                continue;
            }
            if (message.Type != "text")
            {
                report.AddDeferred($"message:{message.Type}");
                continue;
            }
            var stored = await StoreMessageAsync(connection, tenantId, channelId, message, report, cancellationToken);
            if (stored is not null) events.Add(stored);
        }
        await InsertOutboxAsync(connection, tenantId, events, cancellationToken);
    }

    private static async Task<(Guid ChannelId, Guid TenantId)?> ResolveChannelAsync(
        NpgsqlConnection connection, string? phoneNumberId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(phoneNumberId)) return null;
        await using var command = new NpgsqlCommand(
            "select channel_id, tenant_id from resolve_channel($1) where active", connection);
        command.Parameters.Add(new() { Value = phoneNumberId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetGuid(0), reader.GetGuid(1)) : null;
    }

    /// <summary>One message under its own savepoint; returns its event, or null for a duplicate or a rejected item.</summary>
    private static async Task<MessageReceived?> StoreMessageAsync(
        NpgsqlConnection connection, Guid tenantId, Guid channelId, InboundMessage message, IngestReport report,
        CancellationToken cancellationToken)
    {
        var messageId = Guid.CreateVersion7();
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new("savepoint item"),
                new("select message_id, conversation_id, contact_id, inserted from ingest_inbound_message(" +
                    "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)")
                {
                    Parameters =
                    {
                        new() { Value = tenantId },
                        new() { Value = channelId },
                        new() { Value = (object?)message.WaId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                        new() { Value = (object?)message.Bsuid ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                        new() { Value = (object?)message.ContactName ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                        new() { Value = Guid.CreateVersion7() },
                        new() { Value = Guid.CreateVersion7() },
                        new() { Value = messageId },
                        new() { Value = message.Wamid },
                        new() { Value = message.Type },
                        new() { Value = (object?)message.Text ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                        new() { Value = message.RawJson, NpgsqlDbType = NpgsqlDbType.Jsonb },
                        new() { Value = message.SentAt },
                        new() { Value = message.Preview },
                    },
                },
                new("release savepoint item"),
            },
        };
        try
        {
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var (storedId, conversationId, contactId, inserted) =
                (reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetBoolean(3));
            await reader.NextResultAsync(cancellationToken);
            if (!inserted)
            {
                report.AddDuplicate();
                return null;
            }
            report.AddStored();
            return new MessageReceived(tenantId, channelId, conversationId, contactId, storedId, message.Wamid,
                message.Type, message.Text, message.ContactName, message.WaId, message.SentAt, DateTimeOffset.UtcNow);
        }
        catch (PostgresException ex)
        {
            // The item is at fault (a constraint, a value PostgreSQL refuses): undo it alone and go on.
            await using var rollback = new NpgsqlCommand("rollback to savepoint item", connection);
            await rollback.ExecuteNonQueryAsync(cancellationToken);
            report.AddRejected(message.Wamid, $"{ex.SqlState}: {ex.MessageText}");
            return null;
        }
    }

    private static async Task InsertOutboxAsync(
        NpgsqlConnection connection, Guid tenantId, List<MessageReceived> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0) return;
        var rows = events.Select(e => OutboxEvents.Create(tenantId, e)).ToList();
        await using var command = new NpgsqlCommand(
            "insert into outbox (tenant_id, message_type, payload) select $1, $2, unnest($3::jsonb[])", connection);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = rows[0].MessageType });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Payload).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task InsertLedgerAsync(
        NpgsqlConnection connection, byte[] body, string signature, string outcome, string? detail,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "insert into webhook_ledger (signature, body, outcome, detail) values ($1, $2, $3, $4)", connection);
        command.Parameters.Add(new() { Value = signature });
        command.Parameters.Add(new() { Value = body });
        command.Parameters.Add(new() { Value = outcome });
        command.Parameters.Add(new() { Value = (object?)detail ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string? ItemId(JsonElement item) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
            ? id.GetString()
            : null;
}
