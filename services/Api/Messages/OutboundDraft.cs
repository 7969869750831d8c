using System.Text.Json;
using Inbox.Data.Entities;
using Inbox.WhatsApp;

namespace Inbox.Api.Messages;

/// <summary>
/// What a send stores and what goes to WhatsApp, by type, from the request and what it names (a template, the
/// message reacted to, an upload): the thread's text, the list's preview, the stored content and the Graph API body.
/// Pure: every lookup is done before, so each type's shape can be read (and tested) here alone.
/// </summary>
public sealed record OutboundDraft(string? Text, string? Preview, object? Content, OutboundMessage Outbound)
{
    public const int MaxPreview = 200;

    /// <summary>The list's preview, cut to <see cref="MaxPreview"/> characters.</summary>
    public string? ListPreview => Preview is { Length: > MaxPreview } full ? full[..MaxPreview] : Preview;

    /// <summary>The Graph API body's envelope: to whom (a phone number, else the business-scoped user id), in reply to what.</summary>
    public static OutboundMessage Envelope(string type, Contact recipient, string? replyToWamid, Guid messageId) => new()
    {
        Type = type == "note" ? "text" : type,
        To = recipient.WaId,
        Recipient = recipient.WaId is null ? recipient.Bsuid : null,
        Context = replyToWamid is null ? null : new OutboundContext(replyToWamid),
        BizOpaqueCallbackData = messageId.ToString(),
    };

    /// <summary>A text, or a note (stored like a text, never sent, not in the list's preview).</summary>
    public static OutboundDraft ForText(MessagesApi.SendMessageRequest r, OutboundMessage envelope) =>
        new(r.Text, r.Type == "text" ? r.Text : null, null, envelope with { Text = new OutboundText(r.Text!, r.PreviewUrl ?? false) });

    /// <summary>A template as WhatsApp holds it, rendered with the send's components (already checked against it).</summary>
    public static OutboundDraft ForTemplate(MessageTemplate template, TemplateDefinition definition, JsonElement? components, OutboundMessage envelope)
    {
        var text = definition.Render(components);
        var content = new
        {
            name = template.Name, language = template.Language, components,
            headerType = definition.HeaderFormat?.ToLowerInvariant(), headerLink = definition.HeaderLink(components),
            buttons = definition.Buttons.Select(b => b.Text),
        };
        return new(text, text, content,
            envelope with { Template = new OutboundTemplate(template.Name, new OutboundLanguage(template.Language), components) });
    }

    /// <summary>An emoji on a sent message (an empty one takes the business's reaction back); not in the list's preview.</summary>
    public static OutboundDraft ForReaction(Guid messageId, string targetWamid, string emoji, OutboundMessage envelope) =>
        new(null, null, new { messageId, wamid = targetWamid, emoji }, envelope with { Reaction = new OutboundReaction(targetWamid, emoji) });

    /// <summary>
    /// A picture, video, audio, document or sticker by link, or by an upload (Workers upload it to WhatsApp and send it
    /// by its media id). A document keeps its file name, the upload's when the request names none; the list shows the
    /// caption, else the type and the file name.
    /// </summary>
    public static OutboundDraft ForMedia(MessagesApi.SendMessageRequest r, MediaFile? upload, OutboundMessage envelope)
    {
        var filename = r.Filename ?? (r.Type == "document" ? upload?.Filename : null);
        var preview = r.Caption ?? (filename is null ? $"[{r.Type}]" : $"[{r.Type}] {filename}");
        return new(r.Caption, preview, new { link = r.Link, caption = r.Caption, filename },
            envelope.WithMedia(new OutboundMedia(r.Link, Caption: r.Caption, Filename: filename)));
    }
}
