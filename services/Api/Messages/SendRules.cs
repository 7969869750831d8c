using System.Text.Json;
using Inbox.Data.Entities;
using Inbox.WhatsApp;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Inbox.Api.Messages;

/// <summary>
/// What a send must be, before and after the conversation is read: the request's shape, the message it is based on,
/// the customer's 24-hour window, the number and the template. Each answers null when the send may go on.
/// </summary>
public static class SendRules
{
    public const int MaxText = 4096;
    public const int MaxCaption = 1024;
    public const int MaxFilename = 240;

    public static readonly string[] Types = ["text", "template", "reaction", "note", .. OutboundMessage.MediaTypes];

    public static Validation Validate(MessagesApi.SendMessageRequest r)
    {
        var v = new Validation();
        if (r.Type is null || !Types.Contains(r.Type)) return v.Add("type", $"One of: {string.Join(", ", Types)}.");
        switch (r.Type)
        {
            case "text" or "note":
                v.Check(!string.IsNullOrWhiteSpace(r.Text), "text", "The text is required.")
                    .Check(r.Text is null || r.Text.Length <= MaxText, "text", $"At most {MaxText} characters.");
                break;
            case "template":
                v.Check(!string.IsNullOrWhiteSpace(r.Template?.Name), "template.name", "The template name is required.")
                    .Check(!string.IsNullOrWhiteSpace(r.Template?.Language), "template.language", "The language code (e.g. en_US) is required.")
                    .Check(r.Template?.Components is null or { ValueKind: JsonValueKind.Array or JsonValueKind.Null }, "template.components",
                        "An array of Meta's template components.");
                break;
            case "reaction":
                v.Check(r.Reaction?.MessageId is not null, "reaction.messageId", "The message to react to is required.")
                    .Check(r.Reaction?.Emoji is { Length: <= 16 }, "reaction.emoji", "An emoji, or \"\" to remove the reaction.")
                    .Check(r.ReplyToMessageId is null, "replyToMessageId", "A reaction cannot be a reply.");
                break;
            default: // media, by link or by an upload
                if (r.UploadId is null)
                    v.Check(Uri.TryCreate(r.Link, UriKind.Absolute, out var link) && link.Scheme is "https" or "http", "link",
                        "An absolute http(s) URL of the media, or an uploadId.");
                else v.Check(r.Link is null, "link", "Give a link or an uploadId, not both.");
                v.Check(r.Caption is null || (r.Type is "image" or "video" or "document" && r.Caption.Length <= MaxCaption), "caption",
                        $"Only images, videos and documents have a caption, of at most {MaxCaption} characters.")
                    .Check(r.Filename is null || (r.Type == "document" && r.Filename.Length <= MaxFilename), "filename",
                        $"Only documents have a filename, of at most {MaxFilename} characters.");
                break;
        }
        if (r.Type is not ("text" or "note")) v.Check(r.Text is null, "text", $"Not used by type {r.Type}.");
        if (!OutboundMessage.MediaTypes.Contains(r.Type)) v.Check(r.UploadId is null, "uploadId", $"Not used by type {r.Type}.");
        if (r.Type == "note") v.Check(r.ReplyToMessageId is null, "replyToMessageId", "A note is not sent, so it cannot reply.");
        return v;
    }

    /// <summary>409 when the conversation moved on since the message the agent based the send on.</summary>
    public static ProblemHttpResult? BasedOnLatest(Guid basedOn, Guid? latest) =>
        latest == basedOn ? null : Problems.Status(StatusCodes.Status409Conflict, Problems.NotLatest, "Not the latest message",
            "The conversation has moved on since the message this reply is based on; confirm before sending.",
            new Dictionary<string, object?> { ["latestMessageId"] = latest });

    /// <summary>409 for a disabled number: nothing goes out through it (notes are not sent, so they still may be written).</summary>
    public static ProblemHttpResult? NumberEnabled(bool active) =>
        active ? null : Problems.Status(StatusCodes.Status409Conflict, Problems.ChannelDisabled, "WhatsApp number disabled",
            "The conversation's WhatsApp number is disabled by an admin; nothing is sent through it (notes still work).");

    /// <summary>409 for a free-form message (not a template, not a note) outside the customer's 24-hour window.</summary>
    public static ProblemHttpResult? WindowOpen(string type, DateTimeOffset? windowClosesAt, DateTimeOffset now)
    {
        if (type is "template" or "note" || windowClosesAt > now) return null;
        return Problems.Status(StatusCodes.Status409Conflict, Problems.WindowClosed, "Customer service window closed",
            windowClosesAt is { } closedAt
                ? $"The customer's 24-hour window closed at {closedAt:O}; only a template can be sent until they write again."
                : "The customer has not written yet, so no 24-hour window is open; only a template can be sent.",
            new Dictionary<string, object?> { ["windowClosesAt"] = windowClosesAt });
    }

    /// <summary>409 when the message replied or reacted to has no WhatsApp id yet (still queued, or failed).</summary>
    public static ProblemHttpResult? SentAlready(string? wamid, string what) =>
        wamid is not null ? null : Problems.Status(StatusCodes.Status409Conflict, Problems.Conflict, "Not sent yet",
            $"The message {what} has no WhatsApp id yet (still queued or failed).");

    /// <summary>422 unless WhatsApp approved the template (a rejected, paused or disabled one says why).</summary>
    public static ProblemHttpResult? TemplateApproved(MessageTemplate template) =>
        template.Status == TemplateStatuses.Approved ? null : Problems.Status(StatusCodes.Status422UnprocessableEntity,
            Problems.TemplateNotApproved, "Template not approved",
            $"WhatsApp has the template '{template.Name}' ({template.Language}) {template.Status}"
            + (template.StatusReason is { } reason ? $" ({reason})" : "") + "; only an approved template can be sent.",
            new Dictionary<string, object?>
            {
                ["templateStatus"] = template.Status, ["statusReason"] = template.StatusReason, ["statusDetail"] = template.StatusDetail,
            });

    public static ProblemHttpResult UnknownTemplate(string name, string language) =>
        Problems.Status(StatusCodes.Status422UnprocessableEntity, Problems.UnknownTemplate, "Unknown template",
            $"The conversation's WhatsApp number has no template '{name}' in language '{language}'.");
}
