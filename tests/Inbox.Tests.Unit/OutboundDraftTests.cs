using Inbox.Api.Messages;
using Inbox.Data.Entities;
using static Inbox.Api.Messages.MessagesApi;

namespace Inbox.Tests.Unit;

public sealed class OutboundDraftTests
{
    private static readonly Contact Customer = new() { WaId = "4915112345678" };

    private static SendMessageRequest Request(string type, string? text = null, string? link = null, string? caption = null, string? filename = null) =>
        new(type, text, null, link, caption, filename, null, null, null, null);

    [Fact]
    public void The_envelope_names_a_phone_number_else_the_business_scoped_user_id_and_what_it_replies_to()
    {
        var id = Guid.NewGuid();
        var byNumber = OutboundDraft.Envelope("note", Customer, "wamid.Q", id);
        Assert.Equal(("text", "4915112345678", null, "wamid.Q", id.ToString()),
            (byNumber.Type, byNumber.To, byNumber.Recipient, byNumber.Context?.MessageId, byNumber.BizOpaqueCallbackData));
        var byUserId = OutboundDraft.Envelope("text", new Contact { Bsuid = "US.123" }, null, id);
        Assert.Equal((null, "US.123", null), (byUserId.To, byUserId.Recipient, byUserId.Context));
    }

    [Fact]
    public void A_text_is_previewed_and_a_note_is_not()
    {
        var envelope = OutboundDraft.Envelope("text", Customer, null, Guid.NewGuid());
        var text = OutboundDraft.ForText(Request("text", text: "Hello"), envelope);
        Assert.Equal(("Hello", "Hello", "Hello"), (text.Text, text.Preview, text.Outbound.Text?.Body));
        var note = OutboundDraft.ForText(Request("note", text: "Call back at 5"), envelope);
        Assert.Equal(("Call back at 5", null), (note.Text, note.Preview));
    }

    [Fact]
    public void A_document_without_a_caption_is_listed_by_its_name_the_uploads_when_the_request_names_none()
    {
        var envelope = OutboundDraft.Envelope("document", Customer, null, Guid.NewGuid());
        var upload = new MediaFile { Filename = "Terms.pdf" };
        var uploaded = OutboundDraft.ForMedia(Request("document"), upload, envelope);
        Assert.Equal((null, "[document] Terms.pdf", "Terms.pdf"), (uploaded.Text, uploaded.Preview, uploaded.Outbound.Document?.Filename));
        var named = OutboundDraft.ForMedia(Request("document", link: "https://example.test/i.pdf", filename: "Invoice.pdf"), upload, envelope);
        Assert.Equal("[document] Invoice.pdf", named.Preview);
        var captioned = OutboundDraft.ForMedia(Request("image", link: "https://example.test/a.jpg", caption: "Your parcel"), null,
            OutboundDraft.Envelope("image", Customer, null, Guid.NewGuid()));
        Assert.Equal(("Your parcel", "Your parcel", "https://example.test/a.jpg"), (captioned.Text, captioned.Preview, captioned.Outbound.Image?.Link));
        Assert.Equal("[sticker]", OutboundDraft.ForMedia(Request("sticker", link: "https://example.test/s.webp"), null,
            OutboundDraft.Envelope("sticker", Customer, null, Guid.NewGuid())).Preview);
    }

    [Fact]
    public void A_reaction_is_not_previewed_and_the_list_preview_is_cut_to_200_characters()
    {
        var target = Guid.NewGuid();
        var reaction = OutboundDraft.ForReaction(target, "wamid.R", "👍", OutboundDraft.Envelope("reaction", Customer, null, Guid.NewGuid()));
        Assert.Equal((null, "wamid.R", "👍"), (reaction.Preview, reaction.Outbound.Reaction?.MessageId, reaction.Outbound.Reaction?.Emoji));
        var longText = OutboundDraft.ForText(Request("text", text: new string('x', 500)), OutboundDraft.Envelope("text", Customer, null, Guid.NewGuid()));
        Assert.Equal(500, longText.Text!.Length);
        Assert.Equal(OutboundDraft.MaxPreview, longText.ListPreview!.Length);
    }
}
