using System.Security.Claims;
using Inbox.Contracts;
using Inbox.Data;
using Inbox.Data.Entities;
using Inbox.Data.Outbox;
using Inbox.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Inbox.Api.Admin;

/// <summary>
/// The tenant's WhatsApp numbers: add, edit, disable and enable, with a health view. Access token, app secret and
/// verify token are sealed with AES-GCM (SecretProtector) before they reach the database, and never returned: the
/// API says only whether each is set. A disabled number's webhooks are acknowledged but create no messages, and
/// nothing is sent through it. A number is stored only once Meta confirms, with the access token given, that the
/// token reaches it in the WABA named (<see cref="NumberProof"/>); its display number is then Meta's. Its WABA's
/// templates are then read by Workers (a SyncTemplates command in the same transaction): when it is added, when its
/// number, WABA or token changes, when it is enabled again, and when an admin asks.
/// </summary>
public static class ChannelsApi
{
    /// <summary>A number to add or change; its display number is not asked for: Meta says it.</summary>
    public sealed record ChannelRequest(string? Name, string? PhoneNumberId, string? WabaId, string? AccessToken, string? AppSecret,
        string? VerifyToken);

    /// <param name="TemplatesSyncedAt">The last successful read of the WABA's templates; TemplateSyncError: why the last read failed (null: it did not).</param>
    /// <param name="Templates">The WABA's templates stored, and how many of them are approved (can be sent).</param>
    public sealed record HealthView(DateTimeOffset? LastWebhookAt, int SignatureFailures24h, DateTimeOffset? LastSendErrorAt,
        string? LastSendError, DateTimeOffset? TemplatesSyncedAt, string? TemplateSyncError, int Templates, int ApprovedTemplates);

    public sealed record ChannelView(Guid Id, string Name, string PhoneNumberId, string WabaId, string DisplayPhoneNumber, bool Active,
        bool HasAccessToken, bool HasAppSecret, bool HasVerifyToken, DateTimeOffset CreatedAt, HealthView Health);

    public sealed record ChannelList(IReadOnlyList<ChannelView> Items);

    public static void MapChannelsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapAdminGroup("Admin: channels");
        group.MapGet("/channels", List).WithSummary("The tenant's WhatsApp numbers with their health");
        group.MapGet("/channels/{id:guid}", Get).WithSummary("One WhatsApp number");
        group.MapPost("/channels", Create)
            .WithSummary("Add a WhatsApp number, once Meta confirms the token reaches it (secrets are stored encrypted, never returned)");
        group.MapPatch("/channels/{id:guid}", Update)
            .WithSummary("Change fields of a number; a secret present is replaced; a new number, WABA or token is proven with Meta first");
        group.MapPost("/channels/{id:guid}/disable", (Guid id, InboxDbContext db, OutboxSignal outbox, ClaimsPrincipal user, CancellationToken ct) =>
            SetActiveAsync(id, false, db, outbox, user, ct)).WithSummary("Disable a number: webhooks acknowledged, no messages, no sends");
        group.MapPost("/channels/{id:guid}/enable", (Guid id, InboxDbContext db, OutboxSignal outbox, ClaimsPrincipal user, CancellationToken ct) =>
            SetActiveAsync(id, true, db, outbox, user, ct)).WithSummary("Enable a disabled number (its templates are read again)");
        group.MapPost("/channels/{id:guid}/templates/sync", SyncTemplatesAsync)
            .WithSummary("Read the number's WABA templates from WhatsApp again now (202: Workers do it in a moment)");
    }

    private static async Task<List<ChannelView>> ViewsAsync(InboxDbContext db, Guid? id, CancellationToken cancellationToken)
    {
        var since = DateTimeOffset.UtcNow.AddHours(-25); // hourly buckets: any that overlaps the last 24 hours
        var channels = db.Channels.AsNoTracking().Where(c => id == null || c.Id == id);
        return await channels.OrderBy(c => c.CreatedAt).Select(c => new ChannelView(c.Id, c.Name, c.PhoneNumberId, c.WabaId,
            c.DisplayPhoneNumber, c.Active, c.AccessTokenEncrypted != null, c.AppSecretEncrypted != null, c.VerifyTokenEncrypted != null,
            c.CreatedAt,
            new HealthView(
                db.ChannelHealth.Where(h => h.ChannelId == c.Id).Select(h => h.LastWebhookAt).FirstOrDefault(),
                db.ChannelSignatureFailures.Where(f => f.ChannelId == c.Id && f.Hour > since).Sum(f => f.Failures),
                db.ChannelHealth.Where(h => h.ChannelId == c.Id).Select(h => h.LastSendErrorAt).FirstOrDefault(),
                db.ChannelHealth.Where(h => h.ChannelId == c.Id).Select(h => h.LastSendError).FirstOrDefault(),
                db.ChannelHealth.Where(h => h.ChannelId == c.Id).Select(h => h.TemplatesSyncedAt).FirstOrDefault(),
                db.ChannelHealth.Where(h => h.ChannelId == c.Id).Select(h => h.TemplateSyncError).FirstOrDefault(),
                db.MessageTemplates.Count(t => t.WabaId == c.WabaId),
                db.MessageTemplates.Count(t => t.WabaId == c.WabaId && t.Status == TemplateStatuses.Approved))))
            .ToListAsync(cancellationToken);
    }

    private static async Task<Ok<ChannelList>> List(InboxDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(new ChannelList(await ViewsAsync(db, null, cancellationToken)));

    private static async Task<Results<Ok<ChannelView>, ProblemHttpResult>> Get(Guid id, InboxDbContext db, CancellationToken cancellationToken) =>
        (await ViewsAsync(db, id, cancellationToken)).SingleOrDefault() is { } channel
            ? TypedResults.Ok(channel)
            : Problems.NotFound("The channel");

    private static async Task<Results<Created<ChannelView>, ProblemHttpResult, ValidationProblem>> Create(
        ChannelRequest request, InboxDbContext db, SecretProtector secrets, NumberProof proof, OutboxSignal outbox, ClaimsPrincipal user,
        CancellationToken cancellationToken)
    {
        var validation = Validate(request, creating: true);
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        // Proven before the uniqueness check: whoever cannot prove a number does not learn whether it is registered.
        var (proven, refused) = await proof.CheckAsync(request.PhoneNumberId!.Trim(), request.WabaId!.Trim(), request.AccessToken!, cancellationToken);
        if (refused is not null) return refused;
        var now = DateTimeOffset.UtcNow;
        var channel = new Channel
        {
            Id = Guid.CreateVersion7(),
            TenantId = db.CurrentTenantId!.Value,
            Name = request.Name!.Trim(),
            PhoneNumberId = request.PhoneNumberId!.Trim(),
            WabaId = request.WabaId!.Trim(),
            DisplayPhoneNumber = proven!.DisplayPhoneNumber,
            AccessTokenEncrypted = secrets.Protect(request.AccessToken!),
            AppSecretEncrypted = request.AppSecret is { } appSecret ? secrets.Protect(appSecret) : null,
            VerifyTokenEncrypted = request.VerifyToken is { } verifyToken ? secrets.Protect(verifyToken) : null,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Channels.Add(channel);
        db.Audit(user.UserId(), AuditActions.ChannelCreated, "channel", channel.Id, null, Describe(channel, request));
        ReadTemplates(db, channel);
        if (await SaveAsync(db, channel.PhoneNumberId, cancellationToken) is { } conflict) return conflict;
        outbox.Notify();
        return TypedResults.Created($"/api/admin/channels/{channel.Id}", (await ViewsAsync(db, channel.Id, cancellationToken)).Single());
    }

    private static async Task<Results<Ok<ChannelView>, ProblemHttpResult, ValidationProblem>> Update(
        Guid id, ChannelRequest request, InboxDbContext db, SecretProtector secrets, NumberProof proof, OutboxSignal outbox, ClaimsPrincipal user,
        CancellationToken cancellationToken)
    {
        var channel = await db.Channels.SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (channel is null) return Problems.NotFound("The channel");
        var validation = Validate(request, creating: false);
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);

        // A new number, WABA or token is proven again (with the new token, or the one kept) before anything changes.
        ProvenNumber? proven = null;
        if (request.PhoneNumberId is not null || request.WabaId is not null || request.AccessToken is not null)
        {
            var token = request.AccessToken ?? (channel.AccessTokenEncrypted is { } sealedToken ? secrets.Unprotect(sealedToken) : null);
            if (token is null) return Problems.Invalid("accessToken", "Required: the number is proven with Meta using its access token.");
            (proven, var refused) = await proof.CheckAsync(request.PhoneNumberId?.Trim() ?? channel.PhoneNumberId,
                request.WabaId?.Trim() ?? channel.WabaId, token, cancellationToken);
            if (refused is not null) return refused;
        }

        var before = Describe(channel, null);
        if (request.Name is { } name) channel.Name = name.Trim();
        if (request.PhoneNumberId is { } phoneNumberId) channel.PhoneNumberId = phoneNumberId.Trim();
        if (request.WabaId is { } wabaId) channel.WabaId = wabaId.Trim();
        if (proven is not null) channel.DisplayPhoneNumber = proven.DisplayPhoneNumber;
        if (request.AccessToken is { } accessToken) channel.AccessTokenEncrypted = secrets.Protect(accessToken);
        if (request.AppSecret is { } appSecret) channel.AppSecretEncrypted = secrets.Protect(appSecret);
        if (request.VerifyToken is { } verifyToken) channel.VerifyTokenEncrypted = secrets.Protect(verifyToken);
        channel.UpdatedAt = DateTimeOffset.UtcNow;
        db.Audit(user.UserId(), AuditActions.ChannelUpdated, "channel", id, before, Describe(channel, request));
        if (proven is not null) ReadTemplates(db, channel); // another WABA or token may see other templates
        if (await SaveAsync(db, channel.PhoneNumberId, cancellationToken) is { } conflict) return conflict;
        if (proven is not null) outbox.Notify();
        return TypedResults.Ok((await ViewsAsync(db, id, cancellationToken)).Single());
    }

    private static async Task<Results<Ok<ChannelView>, ProblemHttpResult>> SetActiveAsync(
        Guid id, bool active, InboxDbContext db, OutboxSignal outbox, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var channel = await db.Channels.SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (channel is null) return Problems.NotFound("The channel");
        if (channel.Active != active)
        {
            channel.Active = active;
            channel.UpdatedAt = DateTimeOffset.UtcNow;
            db.Audit(user.UserId(), active ? AuditActions.ChannelEnabled : AuditActions.ChannelDisabled, "channel", id,
                new { active = !active }, new { active });
            if (active) ReadTemplates(db, channel); // not read while it was disabled
            await db.SaveChangesAsync(cancellationToken);
            outbox.Notify();
        }
        return TypedResults.Ok((await ViewsAsync(db, id, cancellationToken)).Single());
    }

    /// <summary>An admin asks for the number's templates to be read again now, e.g. after creating one in WhatsApp Manager.</summary>
    private static async Task<Results<Accepted<ChannelView>, ProblemHttpResult>> SyncTemplatesAsync(
        Guid id, InboxDbContext db, OutboxSignal outbox, CancellationToken cancellationToken)
    {
        var channel = await db.Channels.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (channel is null) return Problems.NotFound("The channel");
        if (!channel.Active)
            return Problems.Status(StatusCodes.Status409Conflict, Problems.ChannelDisabled, "WhatsApp number disabled",
                "A disabled number's templates are not read; enable it first (that reads them).");
        ReadTemplates(db, channel);
        await db.SaveChangesAsync(cancellationToken);
        outbox.Notify();
        return TypedResults.Accepted($"/api/admin/channels/{id}", (await ViewsAsync(db, id, cancellationToken)).Single());
    }

    /// <summary>Workers read the number's WABA templates once this transaction commits.</summary>
    private static void ReadTemplates(InboxDbContext db, Channel channel) =>
        db.Outbox.Add(OutboxEvents.Create(channel.TenantId, new SyncTemplates(channel.TenantId, channel.Id)));

    /// <summary>Saves; a phone_number_id already registered (by any tenant: it routes webhooks) is 409.</summary>
    private static async Task<ProblemHttpResult?> SaveAsync(InboxDbContext db, string phoneNumberId, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return null;
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return Problems.ConflictProblem("Number already registered", $"The phone_number_id {phoneNumberId} is already registered.");
        }
    }

    /// <summary>The audit view of a channel: its plain fields, and for secrets only what happened to them.</summary>
    private static object Describe(Channel channel, ChannelRequest? change) => new
    {
        name = channel.Name,
        phoneNumberId = channel.PhoneNumberId,
        wabaId = channel.WabaId,
        displayPhoneNumber = channel.DisplayPhoneNumber,
        accessToken = change?.AccessToken is not null ? "replaced" : channel.AccessTokenEncrypted is null ? "none" : "set",
        appSecret = change?.AppSecret is not null ? "replaced" : channel.AppSecretEncrypted is null ? "none" : "set",
        verifyToken = change?.VerifyToken is not null ? "replaced" : channel.VerifyTokenEncrypted is null ? "none" : "set",
    };

    private static Validation Validate(ChannelRequest r, bool creating)
    {
        var validation = new Validation();
        Text(validation, "name", r.Name, creating, 100);
        Text(validation, "wabaId", r.WabaId, creating, 64);
        Text(validation, "phoneNumberId", r.PhoneNumberId, creating, 64);
        if (r.PhoneNumberId is { } id && !id.Trim().All(char.IsAsciiDigit))
            validation.Add("phoneNumberId", "Digits only (Meta's phone_number_id).");
        if (r.WabaId is { } waba && !waba.Trim().All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            validation.Add("wabaId", "Letters, digits, '-' and '_' only (Meta's WhatsApp Business Account id is digits).");
        Secret(validation, "accessToken", r.AccessToken, creating);
        Secret(validation, "appSecret", r.AppSecret, required: false);
        Secret(validation, "verifyToken", r.VerifyToken, required: false);
        return validation;
    }

    private static void Text(Validation validation, string field, string? value, bool required, int maxLength)
    {
        if (value is null) { if (required) validation.Add(field, "Required."); return; }
        validation.Check(value.Trim().Length >= 1 && value.Trim().Length <= maxLength, field, $"1 to {maxLength} characters.");
    }

    private static void Secret(Validation validation, string field, string? value, bool required)
    {
        if (value is null) { if (required) validation.Add(field, "Required."); return; }
        validation.Check(value.Length is > 0 and <= 1024, field, "1 to 1024 characters.");
    }
}
