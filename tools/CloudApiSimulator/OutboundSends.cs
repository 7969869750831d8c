using System.Text.Json;
using System.Text.Json.Nodes;

namespace Inbox.CloudApiSimulator;

/// <summary>
/// POST /{version}/{phone_number_id}/messages after authentication: an injected failure or delay if one is pending, then
/// validation, then the send limits; an accepted send answers with a fresh wamid and starts its status webhooks.
/// A free-form message to a customer whose 24-hour window is closed is accepted like Meta accepts it, and fails
/// later with a 131047 `failed` status. A template must be one of the number's account, approved (132001 otherwise,
/// 132015 paused, 132016 disabled).
/// </summary>
public sealed class OutboundSends(
    FailureInjector failures,
    TemplateStore templates,
    SendLimiter limiter,
    MediaStore media,
    Chats chats,
    DeliveryLedger ledger,
    StatusLifecycle lifecycle,
    TimeProvider clock,
    ILogger<OutboundSends> logger)
{
    public async Task<IResult> HandleAsync(SimulatedNumber number, JsonElement body)
    {
        var (message, read, invalid) = OutboundValidator.Validate(body,
            id => media.Find(id) is { } asset && asset.OwnerPhoneNumberId == number.PhoneNumberId);

        if (read is not null)
        {
            ledger.RecordReadMark(number.PhoneNumberId, read.MessageId, read.TypingIndicator);
            logger.LogInformation("Marked {Wamid} as read (typing indicator: {Typing})", read.MessageId, read.TypingIndicator);
            return new GraphJson(new JsonObject { ["success"] = true });
        }

        var injected = failures.TryTake(number.PhoneNumberId);
        // A slow Meta holds its answer, not the send: a caller that gives up waiting cannot tell whether it went out.
        if (injected?.Delay is { } delay) await Task.Delay(delay, clock, CancellationToken.None);
        if (injected is { Code: > 0, Asynchronous: false }) return Reject(GraphError.FromCode(injected.Code, injected.HttpStatus, injected.Details));
        if (invalid is not null) return Reject(invalid);
        var send = message!;
        if (send.IsTemplate && TemplateRefusal(number, send) is { } refused) return Reject(refused);

        var customer = send.WaId is { } waId ? chats.FindByWaId(waId) : chats.FindByBsuid(send.Recipient!);
        var recipientId = send.WaId ?? customer?.WaId;
        var recipientUserId = send.Recipient ?? customer?.Bsuid;
        var chatKey = recipientId ?? send.Recipient!;
        if (limiter.TryAcquire(number.PhoneNumberId, chatKey) is { } limited) return Reject(limited);

        var wamid = Ids.NewWamid(chatKey, inbound: false);
        var windowOpen = chats.IsWindowOpen(number.PhoneNumberId, chatKey);
        int? failureCode = injected is { Code: > 0 } ? injected.Code : !send.IsTemplate && !windowOpen ? 131047 : null;
        ledger.RecordSend(new DeliveryLedger.AcceptedSend
        {
            Id = wamid, PhoneNumberId = number.PhoneNumberId, To = send.To ?? send.Recipient!, WaId = recipientId,
            Type = send.Type, MediaId = send.MediaId, AcceptedAt = clock.GetUtcNow(),
        });
        if (failureCode is null) chats.RecordBusinessMessage(number.PhoneNumberId, chatKey, wamid, send.IsInteractive);
        lifecycle.Start(number, send, wamid, send.WaId is null ? null : recipientId, recipientUserId, windowOpen, failureCode);

        var contact = new JsonObject { ["input"] = send.To ?? send.Recipient };
        if (send.WaId is not null) contact["wa_id"] = send.WaId;
        if (recipientUserId is not null) contact["user_id"] = recipientUserId;
        var accepted = new JsonObject { ["id"] = wamid };
        if (send.IsTemplate) accepted["message_status"] = "accepted";
        return new GraphJson(new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["contacts"] = new JsonArray(contact),
            ["messages"] = new JsonArray(accepted),
        });
    }

    private GraphError? TemplateRefusal(SimulatedNumber number, OutboundRequest send) =>
        templates.Find(number.WabaId, send.TemplateName!, send.TemplateLanguage!)?.Status switch
        {
            "APPROVED" => null,
            "PAUSED" => GraphError.FromCode(132015, null, null),
            "DISABLED" => GraphError.FromCode(132016, null, null),
            _ => GraphError.FromCode(132001, null, $"template name ({send.TemplateName}) does not exist in {send.TemplateLanguage}"),
        };

    private IResult Reject(GraphError error)
    {
        ledger.RecordRejected(error.Code);
        return error.ToResult();
    }
}
