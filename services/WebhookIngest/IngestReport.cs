using System.Text.Json;

namespace Inbox.WebhookIngest;

/// <summary>What became of one webhook envelope, item by item; stored with it in the ledger.</summary>
public sealed class IngestReport
{
    public int Stored { get; private set; }
    public int Reactions { get; private set; }
    public int Statuses { get; private set; }
    public int ParkedStatuses { get; private set; }
    public int Duplicates { get; private set; }

    /// <summary>Templates whose status Meta changed; and reads of an account's templates asked of Workers (a template not known here).</summary>
    public int TemplateStatuses { get; private set; }
    public int TemplateSyncs { get; private set; }

    /// <summary>True when the commit produced events for the relay to publish.</summary>
    public bool HasEvents => Stored + Reactions + Statuses + TemplateSyncs > 0;
    public List<string> UnknownNumbers { get; } = [];

    /// <summary>WhatsApp Business Accounts (entry.id of a template webhook) no number here belongs to.</summary>
    public List<string> UnknownAccounts { get; } = [];

    /// <summary>Numbers an admin disabled: their webhooks are kept in the ledger and create nothing.</summary>
    public List<string> DisabledNumbers { get; } = [];
    public Dictionary<string, int> Deferred { get; } = [];
    public List<RejectedItem> Rejected { get; } = [];

    public void AddStored() => Stored++;
    public void AddReaction() => Reactions++;
    public void AddStatus() => Statuses++;
    public void AddParkedStatus() => ParkedStatuses++;
    public void AddDuplicate() => Duplicates++;
    public void AddTemplateStatus() => TemplateStatuses++;
    public void AddTemplateSync() => TemplateSyncs++;
    public void AddUnknownAccount(string? wabaId) => UnknownAccounts.Add(wabaId ?? "(none)");
    public void AddUnknownNumber(string? phoneNumberId) => UnknownNumbers.Add(phoneNumberId ?? "(none)");
    public void AddDisabledNumber(string phoneNumberId) => DisabledNumbers.Add(phoneNumberId);
    public void AddRejected(string? itemId, string reason) => Rejected.Add(new RejectedItem(itemId, reason));

    /// <summary>Kept in the ledger for the ingestion work that will handle it (other types, statuses, fields).</summary>
    public void AddDeferred(string kind, int count = 1)
    {
        if (count > 0) Deferred[kind] = Deferred.GetValueOrDefault(kind) + count;
    }

    public string Outcome =>
        Rejected.Count > 0 ? "items_rejected"
        : Stored + Reactions + Statuses + ParkedStatuses + Duplicates + TemplateStatuses + TemplateSyncs > 0 ? "routed"
        : UnknownNumbers.Count + UnknownAccounts.Count > 0 ? "unknown_number"
        : DisabledNumbers.Count > 0 ? "channel_disabled"
        : Deferred.Count > 0 ? "deferred"
        : "empty";

    public string ToJson() => JsonSerializer.Serialize(new
    {
        stored = Stored,
        reactions = Reactions,
        statuses = Statuses,
        parkedStatuses = ParkedStatuses,
        duplicates = Duplicates,
        templateStatuses = TemplateStatuses,
        templateSyncs = TemplateSyncs,
        unknownNumbers = UnknownNumbers,
        unknownAccounts = UnknownAccounts,
        disabledNumbers = DisabledNumbers,
        deferred = Deferred,
        rejected = Rejected,
    }, JsonSerializerOptions.Web);

    public sealed record RejectedItem(string? Item, string Reason);
}
