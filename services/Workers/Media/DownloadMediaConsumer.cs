using System.Security.Cryptography;
using Inbox.Contracts;
using Inbox.Data;
using Inbox.Data.Entities;
using Inbox.Data.Outbox;
using Inbox.WhatsApp;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Polly.Timeout;

namespace Inbox.Workers.Media;

/// <summary>
/// Fetches a message's media through the Graph API (media id → short-lived URL → bytes, with the channel's own
/// token), stores the bytes for its tenant, and marks the file ready — or failed, with the reason, once retries
/// are spent or the error cannot pass (bad id, bad token, too large). Either way the inbox hears message:updated.
/// Each attempt (lookup and download) has Media:AttemptTimeout; one that hangs is a failed attempt like any other,
/// so a file never stays pending because Meta (or the network) stopped answering. A file left pending by a worker
/// that died is <see cref="MediaDownloadSweep"/>'s. Idempotent: a file that is no longer pending is left alone.
/// </summary>
public sealed class DownloadMediaConsumer(
    InboxDbContext db, IGraphApi graph, GraphMediaDownloader downloader, IMediaStore store, SecretProtector secrets, OutboxSignal outbox,
    MediaSettings settings, ILogger<DownloadMediaConsumer> logger) : IConsumer<DownloadMedia>
{
    public async Task Consume(ConsumeContext<DownloadMedia> context)
    {
        var command = context.Message;
        var cancellationToken = context.CancellationToken;
        var file = await db.MediaFiles.FirstOrDefaultAsync(f => f.Id == command.MediaFileId, cancellationToken);
        if (file is null || file.Status != MediaStatuses.Pending) return;

        using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attemptTimeout.CancelAfter(settings.AttemptTimeout);
        try
        {
            var channel = await db.Channels.AsNoTracking().FirstAsync(c => c.Id == file.ChannelId, cancellationToken);
            var token = channel.AccessTokenEncrypted is { } sealedToken
                ? secrets.Unprotect(sealedToken)
                : throw new GraphApiException(190, "The channel has no access token.", null, null, 0);
            var media = await graph.GetMediaAsync(token, file.WhatsAppMediaId!, attemptTimeout.Token); // a customer's file: its webhook named it
            var url = media.Url ?? throw new GraphApiException(null, "The media lookup returned no url.", null, null, 200);
            var bytes = await downloader.DownloadAsync(token, url, settings.MaxBytes, attemptTimeout.Token);
            if (media.Sha256 is { Length: 64 } expected
                && !string.Equals(expected, Convert.ToHexStringLower(SHA256.HashData(bytes)), StringComparison.OrdinalIgnoreCase))
                throw new GraphApiException(131052, "The downloaded bytes do not match the announced sha256.", null, null, 200);

            using (var content = new MemoryStream(bytes, writable: false))
                file.StorageKey = await store.SaveAsync(file, content, cancellationToken);
            file.MimeType = media.MimeType ?? file.MimeType;
            file.FileSize = bytes.Length;
            file.Attempts = context.GetRetryAttempt() + 1;
            await FinishAsync(file, MediaStatuses.Ready, null, cancellationToken);
            WorkerMetrics.MediaDownload("ready");
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested) // not this worker stopping
        {
            var ex = exception is OperationCanceledException or TimeoutRejectedException // the attempt's timeout, or the Graph client's own
                ? new TimeoutException($"The download did not finish within {settings.AttemptTimeout}.", exception)
                : exception;
            var transient = ex is not GraphApiException graphError || graphError.IsTransient;
            var attempt = context.GetRetryAttempt() + 1;
            db.ChangeTracker.Clear();
            file = await db.MediaFiles.FirstAsync(f => f.Id == command.MediaFileId, cancellationToken);
            file.Attempts = attempt;
            file.LastError = ex.Message;
            if (transient && attempt <= settings.RetryIntervals.Count)
            {
                file.UpdatedAt = DateTimeOffset.UtcNow;
                await db.SaveChangesAsync(cancellationToken);
                logger.LogWarning(ex, "Media {MediaFileId} attempt {Attempt} failed; retrying", file.Id, attempt);
                WorkerMetrics.MediaDownload("retry");
                // The consumer definition's retry policy tries again, with back-off.
                if (ReferenceEquals(ex, exception)) throw;
                throw ex;
            }
            logger.LogWarning(ex, "Media {MediaFileId} failed for good after {Attempt} attempts", file.Id, attempt);
            await FinishAsync(file, MediaStatuses.Failed, ex.Message, cancellationToken);
            WorkerMetrics.MediaDownload("failed");
        }
    }

    private async Task FinishAsync(MediaFile file, string status, string? error, CancellationToken cancellationToken)
    {
        file.Status = status;
        file.LastError = error;
        file.UpdatedAt = DateTimeOffset.UtcNow;
        var conversationId = await db.Messages.Where(m => m.Id == file.MessageId).Select(m => m.ConversationId).FirstAsync(cancellationToken);
        await db.WriteEventsAsync(outbox, [conversationId], async token =>
        {
            var message = await db.Messages.FirstAsync(m => m.Id == file.MessageId, token);
            message.MediaStatus = status;
            db.Outbox.Add(OutboxEvents.Create(file.TenantId,
                new MessageUpdated(file.TenantId, message.ConversationId, message.Id, null, Snapshots.Media(file))));
        }, cancellationToken);
    }
}

/// <summary>Retry with back-off lives here, not in the consumer's body.</summary>
public sealed class DownloadMediaConsumerDefinition : ConsumerDefinition<DownloadMediaConsumer>
{
    private readonly MediaSettings _settings;

    public DownloadMediaConsumerDefinition(MediaSettings settings)
    {
        _settings = settings;
        ConcurrentMessageLimit = 8;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<DownloadMediaConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        endpointConfigurator.UseMessageRetry(r => r.Intervals(_settings.RetryIntervals.ToArray()));
}

/// <summary>
/// Media:MaxBytes (default 100 MB, WhatsApp's own limit), Media:RetryIntervals (default 2s, 10s, 30s, 2m),
/// Media:AttemptTimeout (2 min: lookup and download together), Media:PendingDeadline (30 min without news: the sweep
/// sends the download again once, then fails it; must exceed an attempt plus the longest retry interval),
/// Media:SweepInterval (1 min) and Media:UnsentUploadLifetime (1 day: an agent's upload no send took is deleted then).
/// </summary>
public sealed record MediaSettings(
    long MaxBytes, IReadOnlyList<TimeSpan> RetryIntervals, TimeSpan AttemptTimeout, TimeSpan PendingDeadline, TimeSpan SweepInterval,
    TimeSpan UnsentUploadLifetime)
{
    public static MediaSettings From(IConfiguration configuration)
    {
        var settings = new MediaSettings(
            configuration.GetValue<long?>("Media:MaxBytes") ?? 100L * 1024 * 1024,
            (configuration["Media:RetryIntervals"] ?? "00:00:02,00:00:10,00:00:30,00:02:00")
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => TimeSpan.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToList(),
            configuration.GetValue<TimeSpan?>("Media:AttemptTimeout") ?? TimeSpan.FromMinutes(2),
            configuration.GetValue<TimeSpan?>("Media:PendingDeadline") ?? TimeSpan.FromMinutes(30),
            configuration.GetValue<TimeSpan?>("Media:SweepInterval") ?? TimeSpan.FromMinutes(1),
            configuration.GetValue<TimeSpan?>("Media:UnsentUploadLifetime") ?? TimeSpan.FromDays(1));
        // A shorter deadline would take a download from a worker that is only waiting to retry it.
        if (settings.PendingDeadline <= settings.AttemptTimeout + settings.RetryIntervals.DefaultIfEmpty().Max())
            throw new InvalidOperationException("Media:PendingDeadline must be longer than Media:AttemptTimeout + the longest Media:RetryIntervals.");
        return settings;
    }
}
