using Refit;

namespace Inbox.WhatsApp;

/// <summary>
/// The WhatsApp Cloud (Graph) API as Inbox calls it; Refit generates the client (see <see cref="GraphApiServices"/>).
/// Paths are relative to WhatsApp:GraphBaseUrl/WhatsApp:GraphVersion: Meta in production, the project's Cloud API
/// simulator in development and tests. Every token is the channel's own, sent as a bearer token. An error answer
/// throws <see cref="GraphApiException"/> (branch on Meta's code); sends and read marks are retried on transient codes
/// by the client's resilience pipeline (<see cref="GraphResilience"/>), the other calls by their callers.
/// </summary>
public interface IGraphApi
{
    /// <summary>
    /// POST /{phone-number-id}/messages. A 200 means accepted (a wamid), not delivered: statuses follow by webhook.
    /// Meta has no idempotency key, so a send that timed out may or may not have been accepted: it is never retried.
    /// <paramref name="attempts"/> hears of each attempt (the send's claim records whether a call is in flight).
    /// </summary>
    [Post("/{phoneNumberId}/messages")]
    Task<GraphSendAnswer> SendMessageAsync(
        [Authorize] string accessToken, string phoneNumberId, [Body] OutboundMessage message,
        [Property(SendAttemptHandler.ObserverKey)] ISendAttemptObserver? attempts, CancellationToken cancellationToken);

    /// <summary>
    /// Marks a customer's message (and the ones before it) as read: the customer sees blue ticks, and with
    /// <see cref="GraphReadMark.TypingIndicator"/> "typing…" until the business replies or 25 s pass.
    /// </summary>
    [Post("/{phoneNumberId}/messages")]
    Task MarkReadAsync([Authorize] string accessToken, string phoneNumberId, [Body] GraphReadMark mark, CancellationToken cancellationToken);

    /// <summary>GET /{media-id}: a short-lived download URL (about 5 minutes) and the file's facts.</summary>
    [Get("/{mediaId}")]
    Task<GraphMedia> GetMediaAsync([Authorize] string accessToken, string mediaId, CancellationToken cancellationToken);

    /// <summary>
    /// POST /{phone-number-id}/media (multipart): stores a file with Meta for 30 days; send it by the id returned.
    /// Retried on transient codes (an upload twice is only an unused copy at Meta), so the file's stream must be
    /// seekable; <paramref name="attempts"/> hears of each attempt (a send's claim renews its lease).
    /// </summary>
    [Multipart]
    [Post("/{phoneNumberId}/media")]
    Task<GraphUploadedMedia> UploadMediaAsync(
        [Authorize] string accessToken, string phoneNumberId, [AliasAs("file")] StreamPart file, [AliasAs("type")] string mimeType,
        [Property(SendAttemptHandler.ObserverKey)] ISendAttemptObserver? attempts, CancellationToken cancellationToken,
        [AliasAs("messaging_product")] string messagingProduct = "whatsapp");

    /// <summary>
    /// GET /{phone-number-id}: the number as this token sees it. A token that cannot reach it gets 190 (not a valid
    /// token) or 100 subcode 33 (no such object for this token).
    /// </summary>
    [Get("/{phoneNumberId}?fields=" + GraphPhoneNumber.Fields)]
    Task<GraphPhoneNumber> GetPhoneNumberAsync([Authorize] string accessToken, string phoneNumberId, CancellationToken cancellationToken);

    /// <summary>
    /// GET /{waba-id}/phone_numbers: one page of a WhatsApp Business Account's numbers this token sees; the next
    /// page is asked for by <see cref="GraphPaging.NextCursor"/>.
    /// </summary>
    [Get("/{wabaId}/phone_numbers?fields=" + GraphPhoneNumber.Fields)]
    Task<GraphPage<GraphPhoneNumber>> GetPhoneNumbersAsync(
        [Authorize] string accessToken, string wabaId, string? after, CancellationToken cancellationToken);

    /// <summary>
    /// GET /{waba-id}/message_templates: one page of a WhatsApp Business Account's templates, every status and
    /// language (each language of a template is an entry of its own, with its own id); the next page is asked for by
    /// <see cref="GraphPaging.NextCursor"/>. A management call: Meta allows a WABA about 200 of them an hour.
    /// </summary>
    [Get("/{wabaId}/message_templates?fields=" + GraphTemplate.Fields + "&limit=" + GraphTemplate.PageSize)]
    Task<GraphPage<GraphTemplate>> GetTemplatesAsync(
        [Authorize] string accessToken, string wabaId, string? after, CancellationToken cancellationToken);
}

/// <summary>What the Graph API answers to an accepted send.</summary>
public sealed record GraphSendAnswer(IReadOnlyList<GraphSentMessage>? Messages, IReadOnlyList<GraphSendContact>? Contacts)
{
    /// <summary>The wamid and what came with it; an answer without one is an error (nothing can be tracked).</summary>
    public SendResult ToResult() =>
        Messages is [{ Id: { } wamid } message, ..]
            ? new SendResult(wamid, message.MessageStatus, Contacts is [var contact, ..] ? contact.WaId : null)
            : throw new GraphApiException(null, "The send was answered without a message id.", null, null, 200);
}

/// <param name="MessageStatus">Templates only: "accepted", or "held_for_quality_assessment" / "paused" when Meta paces them.</param>
public sealed record GraphSentMessage(string? Id, string? MessageStatus);

public sealed record GraphSendContact(string? Input, string? WaId);

/// <summary>The body of a read mark: <c>{"messaging_product":"whatsapp","status":"read","message_id":…[,"typing_indicator":{"type":"text"}]}</c>.</summary>
public sealed record GraphReadMark(string MessageId, GraphTypingIndicator? TypingIndicator = null)
{
    public string MessagingProduct { get; } = "whatsapp";
    public string Status { get; } = "read";

    /// <summary>Marks <paramref name="wamid"/> read; with <paramref name="showTyping"/> the customer also sees "typing…".</summary>
    public static GraphReadMark For(string wamid, bool showTyping = false) =>
        new(wamid, showTyping ? new GraphTypingIndicator("text") : null);
}

/// <param name="Type">"text", the only kind Meta has.</param>
public sealed record GraphTypingIndicator(string Type);

/// <summary>What a media id resolves to: a short-lived download URL (about 5 minutes) and the file's facts.</summary>
public sealed record GraphMedia(string? Url, string? MimeType, string? Sha256, long? FileSize, string? Id = null);

public sealed record GraphUploadedMedia(string Id);

/// <summary>A business number as Meta describes it: GET /{phone-number-id} and the entries of GET /{waba-id}/phone_numbers.</summary>
/// <param name="DisplayPhoneNumber">As Meta formats it, e.g. "+1 555-000-1111".</param>
public sealed record GraphPhoneNumber(string? Id, string? DisplayPhoneNumber, string? VerifiedName)
{
    /// <summary>The fields Inbox asks for (Meta answers only what is asked, plus the id).</summary>
    public const string Fields = "id,display_phone_number,verified_name";
}

/// <summary>
/// A template as Meta lists it. <see cref="Components"/> is Meta's definition, kept verbatim (HEADER with its format,
/// BODY, FOOTER, BUTTONS; see <see cref="TemplateDefinition"/>); <see cref="Status"/> is APPROVED, PENDING,
/// REJECTED, PAUSED, DISABLED, …; <see cref="RejectedReason"/> is NONE unless rejected.
/// </summary>
public sealed record GraphTemplate(
    string? Id, string? Name, string? Language, string? Status, string? Category, string? RejectedReason, string? ParameterFormat,
    System.Text.Json.JsonElement? Components)
{
    public const string Fields = "id,name,language,status,category,rejected_reason,parameter_format,components";

    /// <summary>Templates asked for per page (Meta's default is 25).</summary>
    public const string PageSize = "100";
}

/// <summary>A page of a Graph list.</summary>
public sealed record GraphPage<T>(IReadOnlyList<T>? Data, GraphPaging? Paging);

public static class GraphPages
{
    /// <summary>
    /// Every item of a list, page after page (<paramref name="page"/> is asked for each cursor, null first), until
    /// Meta names no next page or <paramref name="maxPages"/> were read; a list longer than that throws rather than
    /// pass for complete.
    /// </summary>
    public static async Task<List<T>> AllAsync<T>(Func<string?, Task<GraphPage<T>>> page, GraphApiOptions options, int maxPages)
    {
        var items = new List<T>();
        string? after = null;
        for (var read = 0; read < maxPages; read++)
        {
            var answer = await page(after);
            items.AddRange(answer.Data ?? []);
            after = answer.Paging?.NextCursor(options);
            if (after is null) return items;
        }
        throw new GraphApiException(null, $"The list goes on past {maxPages} pages.", null, null, 200);
    }
}

/// <param name="Next">The next page as an absolute URL; absent on the last page.</param>
public sealed record GraphPaging(GraphCursors? Cursors, string? Next)
{
    /// <summary>
    /// The cursor of the next page, or null when there is none. Meta names the next page by an absolute URL; it is
    /// followed only when it lies under our configured Graph base URL, the only place the channel's token may go.
    /// </summary>
    public string? NextCursor(GraphApiOptions options) =>
        Next is { } next && next.StartsWith(options.BaseUrl.TrimEnd('/') + "/", StringComparison.OrdinalIgnoreCase)
            ? Cursors?.After
            : null;
}

public sealed record GraphCursors(string? Before, string? After);
