using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Inbox.CloudApiSimulator;

/// <summary>
/// What happens to a send after the Graph call returned its wamid: status webhooks sent → delivered → read
/// (a reaction only gets sent; a share of messages is never read), or one `failed` status carrying the error
/// code (131047 outside the customer-service window, or an injected asynchronous failure). Each status is
/// timestamped when it happens; with Webhooks:ShuffleJitter their arrival order may differ from that.
/// </summary>
public sealed class StatusLifecycle(
    WebhookDispatcher dispatcher,
    DeliveryLedger ledger,
    SimulatorRandom random,
    TimeProvider clock,
    IOptions<SimulatorOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<StatusLifecycle> logger)
{
    /// <summary>
    /// Starts the statuses of an accepted send. <paramref name="recipientId"/> (phone) and
    /// <paramref name="recipientUserId"/> (BSUID) are what the statuses name the customer by.
    /// </summary>
    public void Start(SimulatedNumber number, OutboundRequest send, string wamid, string? recipientId, string? recipientUserId,
        bool windowOpen, int? failureCode)
    {
        var timing = options.Value.Statuses;
        var facts = Facts(send, wamid, recipientId, recipientUserId, windowOpen);
        if (failureCode is { } code)
        {
            Emit(number, facts, "failed", timing.FailedAfter, withPricing: false, code);
            return;
        }
        Emit(number, facts, "sent", timing.SentAfter, withPricing: true, null);
        if (send.Type == "reaction") return; // reactions only ever get "sent"
        Emit(number, facts, "delivered", timing.DeliveredAfter, withPricing: true, null);
        if (random.Chance(timing.ReadRatio)) Emit(number, facts, "read", timing.ReadAfter, withPricing: false, null);
    }

    private void Emit(SimulatedNumber number, StatusFacts facts, string status, TimeSpan after, bool withPricing, int? errorCode) =>
        _ = EmitAsync(number, facts, status, after, withPricing, errorCode);

    private async Task EmitAsync(SimulatedNumber number, StatusFacts facts, string status, TimeSpan after, bool withPricing, int? errorCode)
    {
        try
        {
            if (after > TimeSpan.Zero) await Task.Delay(after, clock, lifetime.ApplicationStopping);
            var item = WebhookPayloads.Status(facts, status, clock.GetUtcNow(), withPricing, errorCode);
            var tracked = ledger.Track("status", facts.Wamid, status, number.PhoneNumberId, facts.RecipientWaId ?? facts.RecipientUserId, null);
            ledger.RecordSendStatus(facts.Wamid, status, errorCode);
            dispatcher.Enqueue(new WebhookUpdate(number, IsStatus: true, item, null, tracked));
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Status {Status} of {Wamid} not emitted", status, facts.Wamid);
        }
    }

    /// <summary>
    /// Pricing as Meta reports it since per-message pricing (PMP): free-form replies are free customer service;
    /// a utility template inside an open window is free too; other templates are billable.
    /// </summary>
    private StatusFacts Facts(OutboundRequest send, string wamid, string? recipientId, string? recipientUserId, bool windowOpen)
    {
        var category = !send.IsTemplate ? "service"
            : send.TemplateName is { } name && (name.Contains("marketing", StringComparison.Ordinal)
                || name.Contains("promo", StringComparison.Ordinal) || name.Contains("offer", StringComparison.Ordinal))
                ? "marketing"
                : "utility";
        var pricingType = category == "service" || (category == "utility" && windowOpen) ? "free_customer_service" : "regular";
        return new StatusFacts(
            wamid,
            recipientId,
            recipientUserId,
            category,
            pricingType,
            IncludeConversation: MajorVersion(options.Value.GraphVersion) < 24,
            ConversationId: Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            send.BizOpaqueCallbackData);
    }

    private static int MajorVersion(string version) =>
        int.TryParse(version.TrimStart('v').Split('.')[0], System.Globalization.CultureInfo.InvariantCulture, out var major) ? major : 24;
}
