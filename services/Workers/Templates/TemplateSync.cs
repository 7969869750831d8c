using System.Text.Json;
using System.Text.RegularExpressions;
using Inbox.Data;
using Inbox.Tenancy;
using Inbox.WhatsApp;
using Microsoft.EntityFrameworkCore;
using Polly.Timeout;

namespace Inbox.Workers.Templates;

/// <summary>
/// Templates:SyncInterval (1 h: each number's templates are read again after this long; Meta allows a WABA about
/// 200 management calls an hour), Templates:RetryInterval (1 min: after a failed read) and Templates:SweepInterval
/// (1 min: how often due reads are looked for).
/// </summary>
public sealed record TemplateSyncSettings(TimeSpan SyncInterval, TimeSpan RetryInterval, TimeSpan SweepInterval)
{
    public static TemplateSyncSettings From(IConfiguration configuration) => new(
        configuration.GetValue<TimeSpan?>("Templates:SyncInterval") ?? TimeSpan.FromHours(1),
        configuration.GetValue<TimeSpan?>("Templates:RetryInterval") ?? TimeSpan.FromMinutes(1),
        configuration.GetValue<TimeSpan?>("Templates:SweepInterval") ?? TimeSpan.FromMinutes(1));
}

/// <summary>What one read of a number's templates came to: how many stored and removed, or why it failed.</summary>
/// <param name="Transient">The Graph API could not be asked (unreachable, throttled, timed out): worth trying again soon.</param>
public sealed record TemplateSyncOutcome(int Stored, int Removed, string? Error = null, bool Transient = false);

/// <summary>
/// Reads the templates of one number's WhatsApp Business Account through the Graph API (every page of
/// GET /{waba-id}/message_templates, with the number's own token) and stores them for its tenant, under that tenant's
/// row-level security: upserted by (account, name, language), those the account no longer has removed. A read that
/// fails stores nothing; either way the outcome is the number's channel_health (last read, last error), shown to
/// admins. A Graph failure is an outcome, never an exception: one failing number must not stop the others.
/// </summary>
public sealed partial class TemplateSync(
    IServiceScopeFactory scopes, IGraphApi graph, GraphApiOptions graphOptions, SecretProtector secrets, ILogger<TemplateSync> logger)
{
    /// <summary>100 templates a page: Meta allows a WABA 250 templates (6,000 once verified).</summary>
    private const int MaxPages = 100;

    private static readonly JsonSerializerOptions RowJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private sealed record Row(Guid Id, string? ExternalId, string Name, string Language, string Category, string Status,
        string? StatusReason, JsonElement? Components, string? ParameterFormat, string Body);

    private sealed record StoreResult(int Stored, int Removed);

    public async Task<TemplateSyncOutcome> SyncAsync(Guid tenantId, Guid channelId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(tenantId);
        var db = scope.ServiceProvider.GetRequiredService<InboxDbContext>();
        var channel = await db.Channels.AsNoTracking().SingleOrDefaultAsync(c => c.Id == channelId, cancellationToken);
        if (channel is null) return new(0, 0, "No such number.");
        if (!channel.Active || channel.AccessTokenEncrypted is not { } sealedToken)
            return await RecordAsync(db, tenantId, channelId, new(0, 0, "The number is disabled or has no access token."), cancellationToken);

        var readAt = DateTimeOffset.UtcNow; // a webhook sent after this is newer than what the read finds
        List<GraphTemplate> templates;
        try
        {
            var token = secrets.Unprotect(sealedToken);
            templates = await GraphPages.AllAsync(
                after => graph.GetTemplatesAsync(token, channel.WabaId, after, cancellationToken), graphOptions, MaxPages);
        }
        catch (Exception ex) when (ex is GraphApiException or HttpRequestException or TimeoutRejectedException
                                   || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var transient = ex is not GraphApiException { IsTransient: false };
            logger.LogWarning(ex, "Reading the templates of WABA {WabaId} (number {PhoneNumberId}) failed", channel.WabaId, channel.PhoneNumberId);
            var error = ex is GraphApiException graphError
                ? $"Meta refused to list the templates ({graphError.Code?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no code"}): {graphError.GraphMessage}"
                : $"Meta's Graph API could not be reached: {ex.Message}";
            return await RecordAsync(db, tenantId, channelId, new(0, 0, error, transient), cancellationToken);
        }

        var rows = templates.Where(t => t.Name is { Length: > 0 } && t.Language is { Length: > 0 })
            .DistinctBy(t => (t.Name, t.Language)).Select(ToRow).ToList();
        var json = JsonSerializer.Serialize(rows, RowJson);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var stored = await db.Database.SqlQuery<StoreResult>($"""
            select stored as "Stored", removed as "Removed" from store_synced_templates({tenantId}, {channel.WabaId}, {readAt}, {json}::jsonb)
            """).SingleAsync(cancellationToken);
        var outcome = await RecordAsync(db, tenantId, channelId, new(stored.Stored, stored.Removed), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Templates of WABA {WabaId}: {Stored} stored, {Removed} removed", channel.WabaId, stored.Stored, stored.Removed);
        return outcome;
    }

    private static Row ToRow(GraphTemplate t) => new(Guid.CreateVersion7(), t.Id, t.Name!, t.Language!,
        Lower(t.Category) ?? "utility", Lower(t.Status) ?? "unknown",
        t.RejectedReason is { Length: > 0 } reason && reason != "NONE" ? reason : null,
        t.Components is { ValueKind: JsonValueKind.Array } ? t.Components : null, t.ParameterFormat,
        TemplateDefinition.Parse(t.Components, t.ParameterFormat).Body);

    /// <summary>Meta's enum lower-cased ("APPROVED" → "approved"), or null when it is not one.</summary>
    private static string? Lower(string? value) =>
        value?.ToLowerInvariant() is { } lower && MetaEnum().IsMatch(lower) ? lower : null;

    [GeneratedRegex("^[a-z_]{1,40}$")]
    private static partial Regex MetaEnum();

    /// <summary>The number's last read, for admins: attempted now, succeeded now (or kept from before), and the error if any.</summary>
    private static async Task<TemplateSyncOutcome> RecordAsync(
        InboxDbContext db, Guid tenantId, Guid channelId, TemplateSyncOutcome outcome, CancellationToken cancellationToken)
    {
        await db.Database.ExecuteSqlAsync($"""
            insert into channel_health as h (channel_id, tenant_id, template_sync_attempted_at, templates_synced_at, template_sync_error)
            values ({channelId}, {tenantId}, now(), case when {outcome.Error}::text is null then now() end, {outcome.Error}::text)
            on conflict (channel_id) do update set template_sync_attempted_at = now(),
                templates_synced_at = coalesce(excluded.templates_synced_at, h.templates_synced_at),
                template_sync_error = excluded.template_sync_error
            """, cancellationToken);
        return outcome;
    }
}
