using System.Text.Json;
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
/// One change of an envelope, for the tenant that owns its phone_number_id: statuses, then messages and reactions,
/// each under its own savepoint, its conversation locked first (see ConversationLock). Its events and the
/// conversations it touched go to the <see cref="IngestSession"/>, which writes them with the ledger rows. A template
/// status change names only its WhatsApp Business Account (entry.id): it applies to each tenant with a number there.
/// </summary>
internal sealed class ChangeIngestion(IngestSession session, InboxDbContext db, IngestReport report)
{
    private readonly NpgsqlConnection connection = session.Connection;
    private Guid _tenantId;
    private Guid _channelId;

    public async Task RunAsync(WebhookChange change, CancellationToken cancellationToken)
    {
        if (change.Field == "message_template_status_update")
        {
            await TemplateStatusAsync(change, cancellationToken);
            return;
        }
        if (change.Field != "messages")
        {
            report.AddDeferred($"field:{change.Field}"); // kept in the ledger for the work that will handle it
            return;
        }
        if (string.IsNullOrEmpty(change.PhoneNumberId)
            || await session.ResolveAsync(change.PhoneNumberId, cancellationToken) is not var (channelId, tenantId, active))
        {
            report.AddUnknownNumber(change.PhoneNumberId);
            return;
        }
        if (!active)
        {
            report.AddDisabledNumber(change.PhoneNumberId); // acknowledged and in the ledger; no messages
            return;
        }
        (_channelId, _tenantId) = (channelId, tenantId);
        await session.UseTenantAsync(tenantId, cancellationToken);

        foreach (var item in change.Statuses) await StatusAsync(item, cancellationToken);
        foreach (var item in change.Messages) await MessageAsync(item, change.Value, cancellationToken);
        if (change.Value.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
            report.AddDeferred("errors", errors.GetArrayLength());
    }

    private async Task StatusAsync(JsonElement item, CancellationToken cancellationToken)
    {
        StatusUpdate status;
        try { status = StatusUpdate.Parse(item); }
        catch (Exception ex) when (ex is WebhookItemException or InvalidOperationException or FormatException or JsonException)
        {
            report.AddRejected(ItemId(item), ex.Message);
            return;
        }

        // The message's conversation first, then the message (see ConversationLock).
        var lockConversation = new NpgsqlBatchCommand(ConversationLock.LockFor(
            "select m.conversation_id from messages m where m.channel_id = $1 and m.wamid = $2"))
        {
            Parameters = { Param(_channelId), Param(status.Wamid) },
        };
        var row = await InSavepointAsync(status.Wamid, lockConversation, new NpgsqlBatchCommand(
            "select message_id, conversation_id, status, status_at, changed, parked from apply_message_status($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        {
            Parameters =
            {
                Param(_tenantId), Param(_channelId), Param(status.Wamid), Param(status.Status), Param(status.At),
                Param(status.ErrorCode, NpgsqlDbType.Integer), Text(status.ErrorTitle), Text(status.ErrorDetails),
                Text(status.PricingCategory),
            },
        }, r => (MessageId: r.IsDBNull(0) ? (Guid?)null : r.GetGuid(0), ConversationId: r.IsDBNull(1) ? (Guid?)null : r.GetGuid(1),
            Status: r.GetString(2), At: r.GetFieldValue<DateTimeOffset>(3), Changed: r.GetBoolean(4), Parked: r.GetBoolean(5)),
            cancellationToken);
        if (row is not { } applied) return;
        if (applied.Parked && Guid.TryParse(status.CallbackData, out var outboundId)
            && await ReconcileAsync(status, outboundId, cancellationToken) is { } reconciled)
            applied = reconciled;
        if (applied.Parked) report.AddParkedStatus();
        else if (!applied.Changed) report.AddDuplicate();
        else
        {
            report.AddStatus();
            var message = await db.Messages.AsNoTracking().Where(m => m.Id == applied.MessageId)
                .Select(m => new { m.ErrorCode, m.ErrorTitle, m.ErrorDetails }).SingleAsync(cancellationToken);
            session.AddEvent(_tenantId, new MessageStatusChanged(_tenantId, applied.ConversationId!.Value, applied.MessageId!.Value, status.Wamid,
                applied.Status, applied.At, message.ErrorCode, message.ErrorTitle, message.ErrorDetails));
        }
    }

    /// <summary>
    /// A status for a wamid not known yet, naming one of this channel's outbound messages (by the message id Workers
    /// put in biz_opaque_callback_data) that has no wamid: its send's answer was lost (a timeout, a crash). The wamid
    /// is assigned now and the parked status applied with it.
    /// </summary>
    private async Task<(Guid? MessageId, Guid? ConversationId, string Status, DateTimeOffset At, bool Changed, bool Parked)?> ReconcileAsync(
        StatusUpdate status, Guid messageId, CancellationToken cancellationToken)
    {
        var lockConversation = new NpgsqlBatchCommand(ConversationLock.LockFor("select m.conversation_id from messages m where m.id = $1"))
        {
            Parameters = { Param(messageId) },
        };
        var row = await InSavepointAsync(status.Wamid, lockConversation, new NpgsqlBatchCommand(
            "select message_id, conversation_id, status, status_at, changed from reconcile_outbound_wamid($1, $2, $3)")
        {
            Parameters = { Param(_channelId), Param(messageId), Param(status.Wamid) },
        }, r => r.HasRows && !r.IsDBNull(0)
            ? (MessageId: (Guid?)r.GetGuid(0), ConversationId: (Guid?)r.GetGuid(1), Status: r.GetString(2),
                At: r.GetFieldValue<DateTimeOffset>(3), Changed: true, Parked: false)
            : (MessageId: null, ConversationId: null, Status: status.Status, At: status.At, Changed: false, Parked: true),
            cancellationToken);
        return row is { Parked: false } reconciled ? reconciled : null;
    }

    /// <summary>
    /// Meta approved, rejected, paused or disabled a template: its status (with Meta's reason) changes for every
    /// tenant with an active number in that account, unless something newer is known. A template not known here, or
    /// an event that does not say the status it leaves (flagged, unarchived, …), has the account's templates read
    /// again (SyncTemplates, committed with the ledger row).
    /// </summary>
    private async Task TemplateStatusAsync(WebhookChange change, CancellationToken cancellationToken)
    {
        TemplateStatusUpdate update;
        try { update = TemplateStatusUpdate.Parse(change.Value, change.EntryTime); }
        catch (WebhookItemException ex)
        {
            report.AddRejected(change.WabaId, ex.Message);
            return;
        }
        var numbers = string.IsNullOrEmpty(change.WabaId) ? [] : await session.ResolveAccountAsync(change.WabaId, cancellationToken);
        if (numbers.Count == 0) report.AddUnknownAccount(change.WabaId);
        else if (!numbers.Any(n => n.Active)) report.AddDisabledNumber($"waba {change.WabaId}");
        foreach (var tenant in numbers.Where(n => n.Active).GroupBy(n => n.TenantId))
        {
            await session.UseTenantAsync(tenant.Key, cancellationToken);
            var applied = update.Status is null ? (Known: false, Changed: false) : await InSavepointAsync(update.Name, lockFirst: null,
                new NpgsqlBatchCommand("select known, changed from apply_template_status($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
                {
                    Parameters =
                    {
                        Param(tenant.Key), Param(change.WabaId!), Param(update.Name), Param(update.Language), Text(update.TemplateId),
                        Param(update.Status), Text(update.Reason), Text(update.Detail), Text(update.Category),
                        Param(update.At ?? DateTimeOffset.UtcNow),
                    },
                }, r => (Known: r.GetBoolean(0), Changed: r.GetBoolean(1)), cancellationToken);
            if (applied is not { } outcome) continue;
            if (!outcome.Known)
            {
                session.AddEvent(tenant.Key, new SyncTemplates(tenant.Key, tenant.First().ChannelId));
                report.AddTemplateSync();
            }
            else if (outcome.Changed) report.AddTemplateStatus();
            else report.AddDuplicate(); // a replay, or older than what is known
        }
    }

    private async Task MessageAsync(JsonElement item, JsonElement value, CancellationToken cancellationToken)
    {
        InboundMessage message;
        try { message = InboundMessage.Parse(item, value); }
        catch (Exception ex) when (ex is WebhookItemException or InvalidOperationException or FormatException or JsonException)
        {
            report.AddRejected(ItemId(item), ex.Message);
            return;
        }
        if (message.Reaction is { } reaction) await ReactionAsync(message, reaction, cancellationToken);
        else await InboundAsync(message, cancellationToken);
    }

    private async Task InboundAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        var messageId = Guid.CreateVersion7();
        var media = message.Media is { } m
            ? JsonSerializer.Serialize(new { id = m.Id, mime_type = m.MimeType, sha256 = m.Sha256, filename = m.Filename })
            : null;
        var row = await InSavepointAsync(message.Wamid, lockFirst: null, new NpgsqlBatchCommand("""
            select message_id, conversation_id, contact_id, inserted, media_file_id from ingest_inbound_message(
                $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
            """)
        {
            Parameters =
            {
                Param(_tenantId), Param(_channelId), Text(message.WaId), Text(message.Bsuid), Text(message.ContactName),
                Param(Guid.CreateVersion7()), Param(Guid.CreateVersion7()), Param(messageId), Param(message.Wamid),
                Param(message.Type), Text(message.Text), Jsonb(message.Content?.ToJsonString()), Jsonb(message.RawJson),
                Param(message.SentAt), Text(message.Preview), Text(message.ReplyToWamid), Text(message.Forwarded),
                Jsonb(message.Referral), Param(message.OpensWindow), Text(message.NewWaId), Jsonb(media),
                Param(Guid.CreateVersion7()),
            },
        }, r => (ConversationId: r.GetGuid(1), ContactId: r.GetGuid(2), Inserted: r.GetBoolean(3),
            MediaFileId: r.IsDBNull(4) ? (Guid?)null : r.GetGuid(4)), cancellationToken);
        if (row is not { } stored) return;
        if (!stored.Inserted)
        {
            report.AddDuplicate();
            return;
        }
        report.AddStored();
        session.Touched(_tenantId, stored.ConversationId);
        var snapshot = new MessageSnapshot(messageId, stored.ConversationId, message.Wamid, "inbound", message.Type,
            message.Text, Snapshots.Element(message.Content?.ToJsonString()), message.SentAt, null, null, null, null, null,
            message.ReplyToWamid, message.Forwarded, Snapshots.Element(message.Referral),
            message.Media is { } announced
                ? new MediaSnapshot("pending", announced.MimeType, announced.Filename, null, Snapshots.MediaUrl(messageId))
                : null,
            []);
        session.AddEvent(_tenantId, new MessageReceived(_tenantId, stored.ConversationId, stored.ContactId, message.ContactName, message.WaId, snapshot));
        if (stored.MediaFileId is { } mediaFileId)
            session.AddEvent(_tenantId, new DownloadMedia(_tenantId, mediaFileId, messageId, stored.ConversationId, _channelId, message.Media!.Id));
    }

    private async Task ReactionAsync(InboundMessage message, InboundReaction reaction, CancellationToken cancellationToken)
    {
        var row = await InSavepointAsync(message.Wamid, lockFirst: null, new NpgsqlBatchCommand(
            "select conversation_id, target_message_id, changed from ingest_reaction($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
        {
            Parameters =
            {
                Param(_tenantId), Param(_channelId), Text(message.WaId), Text(message.Bsuid), Text(message.ContactName),
                Param(Guid.CreateVersion7()), Param(Guid.CreateVersion7()), Param(message.Wamid), Param(reaction.TargetWamid),
                Text(reaction.Emoji), Param(message.SentAt),
            },
        }, r => (ConversationId: r.GetGuid(0), TargetMessageId: r.IsDBNull(1) ? (Guid?)null : r.GetGuid(1), Changed: r.GetBoolean(2)),
            cancellationToken);
        if (row is not { } applied) return;
        if (!applied.Changed)
        {
            report.AddDuplicate();
            return;
        }
        report.AddReaction();
        session.Touched(_tenantId, applied.ConversationId);
        if (applied.TargetMessageId is { } targetId) // a reaction to a message not stored yet shows when it arrives
            session.AddEvent(_tenantId, new MessageUpdated(_tenantId, applied.ConversationId, targetId,
                await Snapshots.ReactionsAsync(db, _channelId, reaction.TargetWamid, cancellationToken), null));
    }

    /// <summary>
    /// Runs one item's statement under a savepoint, after <paramref name="lockFirst"/> (a lock it must take before
    /// the statement's own, see ConversationLock); a PostgreSQL error rejects that item alone.
    /// </summary>
    private async Task<T?> InSavepointAsync<T>(
        string itemId, NpgsqlBatchCommand? lockFirst, NpgsqlBatchCommand command, Func<NpgsqlDataReader, T> read,
        CancellationToken cancellationToken)
        where T : struct
    {
        await using var batch = new NpgsqlBatch(connection) { BatchCommands = { new("savepoint item") } };
        if (lockFirst is not null) batch.BatchCommands.Add(lockFirst);
        batch.BatchCommands.Add(command);
        batch.BatchCommands.Add(new("release savepoint item"));
        try
        {
            T result;
            await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
            {
                if (lockFirst is not null) await reader.NextResultAsync(cancellationToken); // past the lock's rows
                await reader.ReadAsync(cancellationToken);
                result = read(reader);
            }
            return result;
        }
        catch (PostgresException ex)
        {
            await using var rollback = new NpgsqlCommand("rollback to savepoint item", connection);
            await rollback.ExecuteNonQueryAsync(cancellationToken);
            report.AddRejected(itemId, $"{ex.SqlState}: {ex.MessageText}");
            return null;
        }
    }

    private static NpgsqlParameter Param<T>(T value) => new NpgsqlParameter<T> { TypedValue = value };

    private static NpgsqlParameter Param(int? value, NpgsqlDbType type) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = type };

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter Jsonb(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb };

    private static string? ItemId(JsonElement item) => Json.String(item, "id");
}
