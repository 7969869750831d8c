using Inbox.Contracts;
using Inbox.Data;
using Inbox.Data.Entities;
using Inbox.Data.Outbox;
using Inbox.WhatsApp;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Refit;

namespace Inbox.Workers.Outbound;

/// <summary>
/// Sends one queued outbound message through the Graph API, with the channel's own token, and records what came
/// of it; the inbox hears it as message:status.
/// <list type="bullet">
/// <item>An agent's file goes to WhatsApp first (POST /{phone-number-id}/media, the file from the media store), and the
/// media id Meta gives is kept with the file and in the stored request at once: a send tried again (a redelivery, or
/// a claim taken over after this worker died) sends by that id and never uploads twice. An upload that fails for
/// good (or gets no answer: nothing was sent yet) fails the message with the reason.</item>
/// <item>Exactly once per message: the send is claimed (send_state pending → claimed, with this worker's name and a
/// lease) before the call, so a re-delivered command, or two Workers, never send it twice. Before each Graph call
/// the claim becomes "sending" (the lease renewed); after an answer that says Meta did not take it, "claimed" again.
/// A worker that died is found by <see cref="SendLeaseSweep"/> once its lease ends: "claimed" is sent again,
/// "sending" is an unknown outcome (below). The claim id fences a worker whose claim was taken over: it stops.</item>
/// <item>Accepted: assign_wamid (applying any status that raced ahead), then "sent" unless Meta held the
/// message (pacing), in one transaction with the event.</item>
/// <item>Refused for good (or retries spent): status failed with Meta's code, title and details.</item>
/// <item>No answer (timeout, connection lost after sending): the outcome is unknown. It is NOT re-sent, which
/// could deliver it twice; it stays queued with send_state unknown and an explanation, and the status webhooks
/// settle it: they carry the message id in biz_opaque_callback_data, and WebhookIngest then assigns the wamid
/// (reconcile_outbound_wamid). If Meta never got it, no webhook comes and the agent decides whether to send again.</item>
/// </list>
/// </summary>
public sealed class SendWhatsAppMessageConsumer(
    InboxDbContext db, IGraphApi graph, IMediaStore store, SecretProtector secrets, OutboxSignal outbox, OutboundSettings settings,
    GraphRetrySettings graphSettings, ILogger<SendWhatsAppMessageConsumer> logger) : IConsumer<SendWhatsAppMessage>
{
    /// <summary>Who holds a claim: this process.</summary>
    private static readonly string Worker = $"{Environment.MachineName}/{Environment.ProcessId}";

    public async Task Consume(ConsumeContext<SendWhatsAppMessage> context)
    {
        var command = context.Message;
        var cancellationToken = context.CancellationToken;
        var claimId = Guid.NewGuid();
        var claimed = await db.Database.ExecuteSqlAsync($"""
            update messages set send_state = 'claimed', send_attempts = send_attempts + 1, send_claim_id = {claimId},
                                send_claimed_by = {Worker}, send_claimed_at = now(), send_lease_until = now() + {settings.SendLease}
            where id = {command.MessageId} and send_state = 'pending' and status = 'queued'
            """, cancellationToken);
        if (claimed == 0) return; // sent, failed or being sent already: a re-delivery

        var message = await db.Messages.AsNoTracking().SingleAsync(m => m.Id == command.MessageId, cancellationToken);
        var channel = await db.Channels.AsNoTracking().SingleAsync(c => c.Id == message.ChannelId, cancellationToken);
        SendResult result;
        try
        {
            if (!channel.Active) // disabled by an admin after the message was queued
                throw new GraphApiException(null, "The WhatsApp number is disabled; nothing is sent through it.", null, null, 0);
            if (channel.AccessTokenEncrypted is not { } sealedToken)
                throw new GraphApiException(190, "The channel has no access token.", null, null, 0);
            var token = secrets.Unprotect(sealedToken);
            var outbound = OutboundMessage.FromJson(message.Payload!);
            if (outbound.Media is { Link: null, Id: null } media) // an agent's file, not uploaded to WhatsApp yet
                outbound = outbound.WithMedia(media with { Id = await UploadAsync(message, channel, token, claimId, cancellationToken) });
            // Retries on transient Meta codes happen inside the Graph client; the claim hears of every attempt.
            var answer = await graph.SendMessageAsync(token, channel.PhoneNumberId, outbound,
                new ClaimedSendAttempts(this, message.Id, claimId), cancellationToken);
            result = answer.ToResult();
        }
        catch (ClaimLostException)
        {
            logger.LogWarning("Message {MessageId}: its claim was taken over after the lease ended; this worker stops", message.Id);
            return;
        }
        catch (GraphApiException ex)
        {
            logger.LogWarning(ex, "Message {MessageId} failed: Graph error {Code} (fbtrace {Trace})", message.Id, ex.Code, ex.FbTraceId);
            await FailAsync(message, ex, cancellationToken);
            return;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && GraphFailures.OutcomeUnknown(ex))
        {
            logger.LogWarning(ex, "Message {MessageId}: no answer from the Graph API; outcome unknown, not re-sent", message.Id);
            await UnknownAsync(message, ex, cancellationToken);
            return;
        }
        catch (HttpRequestException ex) when (GraphFailures.NotSent(ex))
        {
            logger.LogWarning(ex, "Message {MessageId}: the Graph API could not be reached; giving up after retries", message.Id);
            await FailAsync(message, new GraphApiException(null, $"The WhatsApp API could not be reached: {ex.Message}", null, null, 0),
                cancellationToken);
            return;
        }
        await AcceptedAsync(message, result, cancellationToken);
    }

    /// <summary>
    /// The WhatsApp media id of the message's file: the one kept from an earlier try, or a new upload, kept with the
    /// file and in the stored request before anything is sent.
    /// </summary>
    private async Task<string> UploadAsync(Message message, Channel channel, string token, Guid claimId, CancellationToken cancellationToken)
    {
        var file = await db.MediaFiles.AsNoTracking().SingleAsync(f => f.MessageId == message.Id, cancellationToken);
        var mediaId = file.WhatsAppMediaId;
        if (mediaId is null)
        {
            await using var content = await store.OpenAsync(file, cancellationToken)
                ?? throw new GraphApiException(null, "The file to send is no longer stored.", null, null, 0);
            try
            {
                var part = new StreamPart(content, file.Filename ?? "file", file.MimeType);
                mediaId = (await graph.UploadMediaAsync(token, channel.PhoneNumberId, part, file.MimeType!,
                    new ClaimedUploadAttempts(this, message.Id, claimId), cancellationToken)).Id;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && GraphFailures.OutcomeUnknown(ex))
            {
                // Unlike a send, nothing reached the customer: a failure the agent can retry, not an unknown outcome.
                throw new GraphApiException(null, $"The file could not be uploaded to WhatsApp: no answer ({ex.Message}).", null, null, 0);
            }
            logger.LogInformation("Message {MessageId}: file {MediaFileId} uploaded to WhatsApp as {MediaId}", message.Id, file.Id, mediaId);
        }
        var stored = OutboundMessage.FromJson(message.Payload!);
        var payload = stored.WithMedia(stored.Media! with { Id = mediaId }).ToJson();
        await db.Database.ExecuteSqlAsync($"""
            with kept as (update media_files set whatsapp_media_id = {mediaId}, updated_at = now() where id = {file.Id})
            update messages set payload = {payload}::jsonb where id = {message.Id}
            """, cancellationToken);
        return mediaId;
    }

    /// <summary>How long a claim holds from the start of an upload attempt: the attempt, and the usual lease after it.</summary>
    private TimeSpan UploadLease => graphSettings.UploadTimeout + settings.SendLease;

    /// <summary>Moves this worker's claim to <paramref name="state"/> and renews its lease; throws when the claim is no longer ours.</summary>
    private async Task MarkAsync(Guid messageId, Guid claimId, string state, CancellationToken cancellationToken, TimeSpan? lease = null)
    {
        var until = lease ?? settings.SendLease;
        var marked = await db.Database.ExecuteSqlAsync($"""
            update messages set send_state = {state}, send_lease_until = now() + {until}
            where id = {messageId} and send_claim_id = {claimId} and send_state in ('claimed', 'sending')
            """, cancellationToken);
        if (marked == 0) throw new ClaimLostException();
    }

    private sealed class ClaimLostException : Exception;

    /// <summary>
    /// Before each attempt the claim becomes "sending" (a worker that dies now may have sent: the lease sweep will not
    /// send again); after an answer that says Meta did not take it, "claimed" again (safe to send once more).
    /// </summary>
    private sealed class ClaimedSendAttempts(SendWhatsAppMessageConsumer consumer, Guid messageId, Guid claimId) : ISendAttemptObserver
    {
        public Task CallStartingAsync(CancellationToken cancellationToken) =>
            consumer.MarkAsync(messageId, claimId, SendStates.Sending, cancellationToken);

        public Task NotTakenAsync() => consumer.MarkAsync(messageId, claimId, SendStates.Claimed, CancellationToken.None);
    }

    /// <summary>
    /// An upload sends nothing to the customer, so the claim stays "claimed" (a worker that dies now is safely replaced),
    /// its lease renewed before each attempt for as long as an upload may take.
    /// </summary>
    private sealed class ClaimedUploadAttempts(SendWhatsAppMessageConsumer consumer, Guid messageId, Guid claimId) : ISendAttemptObserver
    {
        public Task CallStartingAsync(CancellationToken cancellationToken) =>
            consumer.MarkAsync(messageId, claimId, SendStates.Claimed, cancellationToken, consumer.UploadLease);

        public Task NotTakenAsync() => Task.CompletedTask;
    }

    private Task AcceptedAsync(Message message, SendResult result, CancellationToken cancellationToken) =>
        db.WriteEventsAsync(outbox, [message.ConversationId], async cancellationToken =>
        {
            await db.Database.ExecuteSqlAsync($"select 1 from assign_wamid({message.Id}, {result.Wamid})", cancellationToken);
            // 200 means accepted; Meta may still hold a template for pacing ("held_for_quality_assessment", "paused").
            if (result.MessageStatus is null or "accepted")
                await db.Database.ExecuteSqlAsync($"""
                    select 1 from apply_message_status({message.TenantId}, {message.ChannelId}, {result.Wamid}, 'sent', now(),
                                                       null::integer, null::text, null::text, null::text)
                    """, cancellationToken);
            await db.Messages.Where(m => m.Id == message.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.SendState, SendStates.Accepted), cancellationToken);
            await AddStatusEventAsync(message.Id, cancellationToken);
        }, cancellationToken);

    private Task FailAsync(Message message, GraphApiException error, CancellationToken cancellationToken)
    {
        WorkerMetrics.SendFailed(error.Code);
        var now = DateTimeOffset.UtcNow;
        return db.WriteEventsAsync(outbox, [message.ConversationId], async cancellationToken =>
        {
            await db.Messages.Where(m => m.Id == message.Id && m.Status == "queued").ExecuteUpdateAsync(s => s
                .SetProperty(m => m.SendState, SendStates.Failed)
                .SetProperty(m => m.Status, "failed")
                .SetProperty(m => m.StatusAt, now)
                .SetProperty(m => m.StatusFailedAt, now)
                .SetProperty(m => m.ErrorCode, error.Code)
                .SetProperty(m => m.ErrorTitle, error.GraphMessage)
                .SetProperty(m => m.ErrorDetails, error.Details), cancellationToken);
            // The channel's health for the admins (after the conversation lock, like every row of this transaction: see EventTransaction).
            var summary = (error.Code is { } code ? $"({code}) " : "") + error.GraphMessage;
            summary = summary.Length > 500 ? summary[..500] : summary;
            await db.Database.ExecuteSqlAsync($"""
                insert into channel_health (channel_id, tenant_id, last_send_error_at, last_send_error)
                values ({message.ChannelId}, {message.TenantId}, {now}, {summary})
                on conflict (channel_id) do update set last_send_error_at = excluded.last_send_error_at,
                                                       last_send_error = excluded.last_send_error
                """, cancellationToken);
            await AddStatusEventAsync(message.Id, cancellationToken);
        }, cancellationToken);
    }

    private Task UnknownAsync(Message message, Exception error, CancellationToken cancellationToken) =>
        db.WriteEventsAsync(outbox, [message.ConversationId], async cancellationToken =>
        {
            await db.Messages.Where(m => m.Id == message.Id && m.Status == "queued" && m.Wamid == null).ExecuteUpdateAsync(s => s
                .SetProperty(m => m.SendState, SendStates.Unknown)
                .SetProperty(m => m.ErrorTitle, "No answer from WhatsApp: the message may or may not have been sent. "
                                                + "It is not re-sent automatically; WhatsApp's status updates will settle it.")
                .SetProperty(m => m.ErrorDetails, error.GetType().Name + ": " + error.Message), cancellationToken);
            await AddStatusEventAsync(message.Id, cancellationToken);
        }, cancellationToken);

    private Task AddStatusEventAsync(Guid messageId, CancellationToken cancellationToken) =>
        db.AddMessageStatusEventAsync(messageId, cancellationToken);
}

/// <summary>Concurrency lives here; retries of the Graph call are the Graph client's (by Meta's error code, see GraphResilience).</summary>
public sealed class SendWhatsAppMessageConsumerDefinition : ConsumerDefinition<SendWhatsAppMessageConsumer>
{
    public SendWhatsAppMessageConsumerDefinition() => ConcurrentMessageLimit = 16;

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<SendWhatsAppMessageConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        // Only for the database (a failed claim read); a claimed send is never repeated by a redelivery (an abandoned
        // claim is the lease sweep's).
        endpointConfigurator.UseMessageRetry(r => r.Intervals(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)));
}

/// <summary>
/// Tells WhatsApp the business read a customer's message (blue ticks), with "typing…" for the customer when an agent
/// is typing a reply and that is still news (see <see cref="SendReadReceipt.TypingAt"/>). Harmless to repeat; the Graph
/// client retries transient errors, other failures are logged.
/// </summary>
public sealed class SendReadReceiptConsumer(
    InboxDbContext db, IGraphApi graph, SecretProtector secrets, ILogger<SendReadReceiptConsumer> logger)
    : IConsumer<SendReadReceipt>
{
    private static readonly TimeSpan TypingIndicatorLifetime = TimeSpan.FromSeconds(25);

    public async Task Consume(ConsumeContext<SendReadReceipt> context)
    {
        var command = context.Message;
        var channel = await db.Channels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == command.ChannelId, context.CancellationToken);
        if (channel?.AccessTokenEncrypted is not { } sealedToken) return;
        try
        {
            var token = secrets.Unprotect(sealedToken);
            // WhatsApp shows the indicator 25 s at most: one that waited longer (a broker outage) would announce a
            // reply nobody is typing any more, so only the read mark goes.
            var showTyping = command.TypingAt is { } typingAt && DateTimeOffset.UtcNow - typingAt < TypingIndicatorLifetime;
            await graph.MarkReadAsync(token, channel.PhoneNumberId, GraphReadMark.For(command.Wamid, showTyping), context.CancellationToken);
        }
        catch (Exception ex) when (ex is GraphApiException or HttpRequestException || GraphFailures.OutcomeUnknown(ex))
        {
            logger.LogWarning(ex, "Read receipt for {Wamid} was not delivered", command.Wamid);
        }
    }
}

public sealed class SendReadReceiptConsumerDefinition : ConsumerDefinition<SendReadReceiptConsumer>
{
    public SendReadReceiptConsumerDefinition() => ConcurrentMessageLimit = 8;
}
