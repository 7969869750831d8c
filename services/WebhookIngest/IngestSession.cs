using Inbox.Contracts;
using Inbox.Data;
using Inbox.Data.Entities;
using Inbox.Data.Outbox;
using Inbox.Tenancy;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Inbox.WebhookIngest;

/// <summary>
/// What the changes of one ingest transaction share: the connection, the tenant it is set to (switched only when a
/// change belongs to another tenant), the numbers resolved so far, and each tenant's events and touched
/// conversations, whose list rows are read once at the end (<see cref="OutboxAsync"/>). Each event keeps the trace of
/// the webhook that caused it (<see cref="TraceParent"/>, set per envelope), for its outbox row.
/// </summary>
internal sealed class IngestSession(NpgsqlConnection connection, TenantContext tenant)
{
    private readonly Dictionary<string, (Guid ChannelId, Guid TenantId, bool Active)?> _numbers = [];
    private readonly Dictionary<Guid, (List<(object Event, string? TraceParent)> Events, HashSet<Guid> Touched)> _tenants = [];
    private readonly Dictionary<Guid, string> _touchedIn = []; // conversation → the traced webhook that last touched it
    private Guid? _connectionTenant;

    /// <summary>The traceparent of the envelope being ingested (null when it is not traced).</summary>
    public string? TraceParent { get; set; }

    public NpgsqlConnection Connection => connection;

    /// <summary>The number's channel and tenant (null when unknown), looked up once per transaction.</summary>
    public async Task<(Guid ChannelId, Guid TenantId, bool Active)?> ResolveAsync(string phoneNumberId, CancellationToken cancellationToken)
    {
        if (_numbers.TryGetValue(phoneNumberId, out var known)) return known;
        await using var command = new NpgsqlCommand("select channel_id, tenant_id, active from resolve_channel($1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = phoneNumberId });
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            known = await reader.ReadAsync(cancellationToken) ? (reader.GetGuid(0), reader.GetGuid(1), reader.GetBoolean(2)) : null;
        return _numbers[phoneNumberId] = known;
    }

    private readonly Dictionary<string, List<(Guid TenantId, Guid ChannelId, bool Active)>> _accounts = [];

    /// <summary>The numbers of a WhatsApp Business Account (Meta's template webhooks name only it), looked up once per transaction.</summary>
    public async Task<List<(Guid TenantId, Guid ChannelId, bool Active)>> ResolveAccountAsync(string wabaId, CancellationToken cancellationToken)
    {
        if (_accounts.TryGetValue(wabaId, out var known)) return known;
        known = [];
        await using var command = new NpgsqlCommand("select tenant_id, channel_id, active from resolve_waba($1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = wabaId });
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken)) known.Add((reader.GetGuid(0), reader.GetGuid(1), reader.GetBoolean(2)));
        return _accounts[wabaId] = known;
    }

    /// <summary>Row-level security and the EF filters for this tenant from here on.</summary>
    public async Task UseTenantAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        tenant.Set(tenantId);
        if (_connectionTenant == tenantId) return;
        await using (var setTenant = TenantSql.SetTenant(connection, tenantId, transactionLocal: true))
            await setTenant.ExecuteNonQueryAsync(cancellationToken);
        _connectionTenant = tenantId;
    }

    public void AddEvent(Guid tenantId, object @event) => For(tenantId).Events.Add((@event, TraceParent));

    public void Touched(Guid tenantId, Guid conversationId)
    {
        For(tenantId).Touched.Add(conversationId);
        if (TraceParent is not null) _touchedIn[conversationId] = TraceParent;
    }

    /// <summary>
    /// Every tenant's events as outbox rows, each followed by the conversation:updated of every conversation it
    /// touched, read now, after all its items (one query per tenant).
    /// </summary>
    public async Task<List<(Guid TenantId, IReadOnlyList<OutboxMessage> Rows)>> OutboxAsync(
        InboxDbContext db, CancellationToken cancellationToken)
    {
        var outbox = new List<(Guid, IReadOnlyList<OutboxMessage>)>();
        foreach (var (tenantId, (events, touched)) in _tenants)
        {
            if (touched.Count > 0)
            {
                await UseTenantAsync(tenantId, cancellationToken);
                foreach (var conversation in await Snapshots.ConversationsAsync(db, touched, cancellationToken))
                    events.Add((new ConversationUpdated(tenantId, conversation), _touchedIn.GetValueOrDefault(conversation.Id)));
            }
            if (events.Count > 0) outbox.Add((tenantId, events.Select(e => Row(tenantId, e.Event, e.TraceParent)).ToList()));
        }
        return outbox;
    }

    private static OutboxMessage Row(Guid tenantId, object @event, string? traceParent)
    {
        var row = OutboxEvents.Create(tenantId, @event);
        row.TraceParent = traceParent; // the webhook's, not this commit loop's
        return row;
    }

    private (List<(object Event, string? TraceParent)> Events, HashSet<Guid> Touched) For(Guid tenantId)
    {
        if (!_tenants.TryGetValue(tenantId, out var entry)) _tenants[tenantId] = entry = ([], []);
        return entry;
    }
}
