using System.Text.Json;
using System.Text.Json.Serialization;

namespace Inbox.WhatsApp;

/// <summary>
/// The body of POST /{phone_number_id}/messages, as Meta documents it (snake_case on the wire, absent fields
/// omitted). Exactly one of the type-named parts is set, matching <see cref="Type"/>.
/// </summary>
public sealed record OutboundMessage
{
    public string MessagingProduct { get; init; } = "whatsapp";
    public string RecipientType { get; init; } = "individual";

    /// <summary>The customer's phone (wa_id); when absent, <see cref="Recipient"/> (a BSUID) is used.</summary>
    public string? To { get; init; }

    public string? Recipient { get; init; }
    public required string Type { get; init; }
    public OutboundText? Text { get; init; }
    public OutboundMedia? Image { get; init; }
    public OutboundMedia? Video { get; init; }
    public OutboundMedia? Audio { get; init; }
    public OutboundMedia? Document { get; init; }
    public OutboundMedia? Sticker { get; init; }
    public OutboundTemplate? Template { get; init; }
    public OutboundReaction? Reaction { get; init; }

    /// <summary>Makes the message a reply to (a quote of) another message.</summary>
    public OutboundContext? Context { get; init; }

    /// <summary>Echoed back in every status webhook of this message: Inbox puts its message id here.</summary>
    public string? BizOpaqueCallbackData { get; init; }

    public static readonly string[] MediaTypes = ["image", "video", "audio", "document", "sticker"];

    /// <summary>The media part of a media message (null for other types).</summary>
    [JsonIgnore]
    public OutboundMedia? Media => Type switch
    {
        "image" => Image, "video" => Video, "audio" => Audio, "document" => Document, "sticker" => Sticker, _ => null,
    };

    /// <summary>A media message of <see cref="Type"/> with this media part.</summary>
    public OutboundMessage WithMedia(OutboundMedia media) => Type switch
    {
        "image" => this with { Image = media },
        "video" => this with { Video = media },
        "audio" => this with { Audio = media },
        "document" => this with { Document = media },
        "sticker" => this with { Sticker = media },
        _ => throw new InvalidOperationException($"A {Type} message has no media."),
    };

    public string ToJson() => JsonSerializer.Serialize(this, GraphJson.Options);

    public static OutboundMessage FromJson(string json) =>
        JsonSerializer.Deserialize<OutboundMessage>(json, GraphJson.Options) ?? throw new JsonException("Empty outbound message.");
}

public sealed record OutboundText(string Body, bool PreviewUrl = false);

/// <summary>A file by its URL (<see cref="Link"/>) or by the id of an upload (<see cref="Id"/>); an agent's upload is
/// stored with neither until Workers upload it at send time.</summary>
public sealed record OutboundMedia(string? Link, string? Id = null, string? Caption = null, string? Filename = null);

public sealed record OutboundTemplate(string Name, OutboundLanguage Language, JsonElement? Components);

public sealed record OutboundLanguage(string Code);

/// <summary>An emoji on one of the customer's messages; an empty emoji removes the business's reaction.</summary>
public sealed record OutboundReaction(string MessageId, string Emoji);

public sealed record OutboundContext(string MessageId);

/// <summary>What the Graph API answers to an accepted send: the wamid, and for templates maybe a pacing status.</summary>
public sealed record SendResult(string Wamid, string? MessageStatus, string? WaId);

/// <summary>The Graph API's JSON conventions: snake_case names, nulls left out.</summary>
public static class GraphJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
