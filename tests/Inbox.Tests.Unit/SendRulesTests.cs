using Inbox.Api.Messages;
using Inbox.Data.Entities;
using static Inbox.Api.Messages.MessagesApi;

namespace Inbox.Tests.Unit;

public sealed class SendRulesTests
{
    private static SendMessageRequest Request(string? type, string? text = null, string? link = null, string? caption = null,
        string? filename = null, Guid? uploadId = null, Guid? replyTo = null) =>
        new(type, text, null, link, caption, filename, null, null, replyTo, null, uploadId);

    private static string[] Fields(SendMessageRequest r) => [.. SendRules.Validate(r).Errors.Keys.Order()];

    [Fact]
    public void Each_type_needs_its_own_fields_and_takes_no_other_types_fields()
    {
        Assert.Equal(["type"], Fields(Request("fax")));
        Assert.Equal(["text"], Fields(Request("text")));
        Assert.Equal(["text"], Fields(Request("text", text: new string('a', SendRules.MaxText + 1))));
        Assert.Empty(Fields(Request("text", text: "hi")));
        Assert.Equal(["link"], Fields(Request("image")));
        Assert.Empty(Fields(Request("image", link: "https://example.test/a.jpg", caption: "A")));
        Assert.Equal(["link"], Fields(Request("image", link: "https://example.test/a.jpg", uploadId: Guid.NewGuid())));
        Assert.Equal(["caption"], Fields(Request("audio", link: "https://example.test/a.ogg", caption: "no")));
        Assert.Equal(["filename"], Fields(Request("image", link: "https://example.test/a.jpg", filename: "a.jpg")));
        Assert.Equal(["text", "uploadId"], Fields(Request("template", text: "x", uploadId: Guid.NewGuid()) with
        {
            Template = new TemplateRequest("hello_world", "en_US", null),
        }));
        Assert.Equal(["replyToMessageId"], Fields(Request("note", text: "to myself", replyTo: Guid.NewGuid())));
    }

    [Fact]
    public void A_free_form_message_needs_the_open_window_a_template_or_a_note_does_not()
    {
        var now = DateTimeOffset.UtcNow;
        Assert.Null(SendRules.WindowOpen("text", now.AddHours(1), now));
        Assert.Null(SendRules.WindowOpen("template", null, now));
        Assert.Null(SendRules.WindowOpen("note", now.AddHours(-1), now));
        var closed = SendRules.WindowOpen("image", now.AddMinutes(-1), now)!;
        Assert.Equal((409, "urn:inbox:problem:window-closed"), (closed.StatusCode, closed.ProblemDetails.Type));
        Assert.Contains("closed at", closed.ProblemDetails.Detail, StringComparison.Ordinal);
        Assert.Contains("has not written yet", SendRules.WindowOpen("text", null, now)!.ProblemDetails.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_send_based_on_an_older_message_is_409_naming_the_latest()
    {
        var seen = Guid.NewGuid();
        Assert.Null(SendRules.BasedOnLatest(seen, seen));
        var latest = Guid.NewGuid();
        var moved = SendRules.BasedOnLatest(seen, latest)!;
        Assert.Equal((409, "urn:inbox:problem:not-latest-message"), (moved.StatusCode, moved.ProblemDetails.Type));
        Assert.Equal(latest, moved.ProblemDetails.Extensions["latestMessageId"]);
    }

    [Fact]
    public void Only_an_approved_template_goes_and_a_refused_one_says_why()
    {
        var template = new MessageTemplate { WabaId = "waba-1", Name = "order_update", Language = "en_US", Status = TemplateStatuses.Approved };
        Assert.Null(SendRules.TemplateApproved(template));
        template.Status = "rejected";
        template.StatusReason = "INVALID_FORMAT";
        var refused = SendRules.TemplateApproved(template)!;
        Assert.Equal((422, "urn:inbox:problem:template-not-approved"), (refused.StatusCode, refused.ProblemDetails.Type));
        Assert.Contains("rejected (INVALID_FORMAT)", refused.ProblemDetails.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_goes_through_a_disabled_number_and_nothing_refers_to_an_unsent_message()
    {
        Assert.Null(SendRules.NumberEnabled(true));
        Assert.Equal("urn:inbox:problem:channel-disabled", SendRules.NumberEnabled(false)!.ProblemDetails.Type);
        Assert.Null(SendRules.SentAlready("wamid.X", "replied to"));
        Assert.Equal(409, SendRules.SentAlready(null, "replied to")!.StatusCode);
    }
}
