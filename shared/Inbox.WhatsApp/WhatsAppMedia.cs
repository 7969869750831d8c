using System.Globalization;

namespace Inbox.WhatsApp;

/// <summary>One kind of WhatsApp media message, the MIME types Meta takes for it and its largest file.</summary>
/// <param name="HasCaption">Images, videos and documents carry a caption; audio and stickers do not.</param>
public sealed record MediaKind(string Name, string Label, long MaxBytes, IReadOnlyList<string> MimeTypes, bool HasCaption);

/// <summary>A file WhatsApp will take: its kind, its MIME type as Meta wants it, and the size it may reach.</summary>
public sealed record MediaClassification(MediaKind Kind, string MimeType, long MaxBytes);

/// <summary>Why a file cannot be sent on WhatsApp: 415 (its type) or 413 (its size), with a sentence for the agent.</summary>
public sealed record MediaRefusal(int Status, string Title, string Detail);

/// <summary>
/// What WhatsApp takes as media (Meta's "supported media types"): image JPEG/PNG up to 5 MB, video MP4/3GPP and
/// audio AAC/AMR/MP3/M4A/OGG up to 16 MB, documents (text, PDF, Office) up to 100 MB, stickers WebP up to 100 KB
/// (500 KB animated). A file's type is what it is declared as (by its MIME type, or by its extension when the
/// declaration says nothing) and its first bytes must agree: a renamed file is refused before it is stored or
/// uploaded, where Meta would fail the send later (131053). The web inbox mirrors these rules
/// (frontend/src/media/whatsappMedia.ts).
/// </summary>
public static class WhatsAppMedia
{
    public const long MiB = 1024 * 1024;
    public const long StaticStickerMaxBytes = 100 * 1024;
    public const long AnimatedStickerMaxBytes = 500 * 1024;

    /// <summary>How many leading bytes <see cref="Classify"/> looks at.</summary>
    public const int HeadBytes = 64;

    public static readonly MediaKind Image = new("image", "Images", 5 * MiB, ["image/jpeg", "image/png"], HasCaption: true);
    public static readonly MediaKind Video = new("video", "Videos", 16 * MiB, ["video/mp4", "video/3gpp"], HasCaption: true);
    public static readonly MediaKind Audio = new("audio", "Audio files", 16 * MiB,
        ["audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"], HasCaption: false);
    public static readonly MediaKind Document = new("document", "Documents", 100 * MiB,
    [
        "text/plain", "application/pdf", "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ], HasCaption: true);
    public static readonly MediaKind Sticker = new("sticker", "Stickers", AnimatedStickerMaxBytes, ["image/webp"], HasCaption: false);

    public static readonly IReadOnlyList<MediaKind> Kinds = [Image, Video, Audio, Document, Sticker];

    /// <summary>The largest file of any kind (a document): the most an upload request may carry.</summary>
    public static readonly long MaxBytes = Kinds.Max(k => k.MaxBytes);

    public static MediaKind? KindNamed(string? name) => Kinds.FirstOrDefault(k => k.Name == name);

    /// <summary>The kind a MIME type is sent as (parameters ignored), or null when WhatsApp does not take it.</summary>
    public static MediaKind? KindOf(string? mimeType) => Normalize(mimeType) is { } bare ? Kinds.FirstOrDefault(k => k.MimeTypes.Contains(bare)) : null;

    private static readonly Dictionary<string, string> Synonyms = new()
    {
        ["image/jpg"] = "image/jpeg", ["image/pjpeg"] = "image/jpeg", ["audio/mp3"] = "audio/mpeg", ["audio/x-m4a"] = "audio/mp4",
        ["audio/m4a"] = "audio/mp4", ["audio/opus"] = "audio/ogg", ["audio/x-aac"] = "audio/aac", ["audio/3gpp"] = "video/3gpp",
    };

    private static readonly Dictionary<string, string> Extensions = new()
    {
        [".jpg"] = "image/jpeg", [".jpeg"] = "image/jpeg", [".png"] = "image/png", [".webp"] = "image/webp",
        [".mp4"] = "video/mp4", [".3gp"] = "video/3gpp", [".aac"] = "audio/aac", [".amr"] = "audio/amr", [".mp3"] = "audio/mpeg",
        [".m4a"] = "audio/mp4", [".ogg"] = "audio/ogg", [".opus"] = "audio/ogg", [".txt"] = "text/plain", [".pdf"] = "application/pdf",
        [".doc"] = "application/msword", [".xls"] = "application/vnd.ms-excel", [".ppt"] = "application/vnd.ms-powerpoint",
        [".docx"] = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        [".xlsx"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        [".pptx"] = "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    };

    /// <summary>Lower case, without parameters ("audio/ogg; codecs=opus" → "audio/ogg"), common aliases mapped to Meta's names.</summary>
    public static string? Normalize(string? mimeType)
    {
        var bare = mimeType?.Split(';')[0].Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(bare)) return null;
        return Synonyms.GetValueOrDefault(bare, bare);
    }

    /// <summary>
    /// The kind and MIME type of a file from its declared type, its name and its first bytes (<see cref="HeadBytes"/>),
    /// or why WhatsApp would not take it. A missing or generic declaration ("application/octet-stream") falls back on
    /// the extension, then on the content itself.
    /// </summary>
    public static (MediaClassification? File, MediaRefusal? Refusal) Classify(string? declaredType, string? fileName, ReadOnlySpan<byte> head)
    {
        var declared = Normalize(declaredType);
        if (declared is null or "application/octet-stream")
            declared = ExtensionType(fileName) ?? Content(head) switch
            {
                ContentFamily.Jpeg => "image/jpeg", ContentFamily.Png => "image/png", ContentFamily.WebP => "image/webp",
                ContentFamily.Pdf => "application/pdf", ContentFamily.Ogg => "audio/ogg", ContentFamily.Amr => "audio/amr",
                ContentFamily.Mp3 => "audio/mpeg", ContentFamily.Adts => "audio/aac",
                _ => null,
            };
        if (declared is null)
            return (null, new(415, "Unknown file type",
                "The file's type could not be told from its name or content. WhatsApp takes " + Supported + "."));
        if (KindOf(declared) is not { } kind)
            return (null, new(415, "File type not supported by WhatsApp",
                $"WhatsApp does not take {declared} files. It takes {Supported}."));

        var content = Content(head);
        if (!Agrees(declared, content))
            return (null, new(415, "File content does not match its type",
                $"The file is declared as {Describe(declared)} ({declared}), but its content "
                + (content is ContentFamily.Unknown or ContentFamily.Text ? "is not." : $"is {Describe(content)}.")));
        var max = kind == Sticker && !IsAnimatedWebP(head) ? StaticStickerMaxBytes : kind.MaxBytes;
        return (new MediaClassification(kind, declared, max), null);
    }

    /// <summary>413 for a file over its kind's limit (<paramref name="size"/> when known: the reading stops at the limit).</summary>
    public static MediaRefusal TooLarge(MediaClassification file, long? size)
    {
        var what = file.Kind == Sticker
            ? file.MaxBytes == StaticStickerMaxBytes ? "Stickers (static WebP)" : "Animated stickers"
            : file.Kind.Label;
        return new(413, "File too large for WhatsApp",
            $"{what} may be at most {Size(file.MaxBytes)} on WhatsApp; this file is {(size is { } s ? Size(s) : "larger")}.");
    }

    public static string Size(long bytes) => bytes switch
    {
        >= MiB => (bytes / (double)MiB).ToString(bytes % MiB == 0 ? "0" : "0.0", CultureInfo.InvariantCulture) + " MB",
        >= 1024 => (bytes / 1024.0).ToString(bytes % 1024 == 0 ? "0" : "0.0", CultureInfo.InvariantCulture) + " KB",
        _ => $"{bytes} bytes",
    };

    private static string Supported => "images (JPEG, PNG) up to 5 MB, videos (MP4, 3GP) and audio (AAC, AMR, MP3, M4A, OGG) up to 16 MB, "
                                       + "documents (PDF, text, Word, Excel, PowerPoint) up to 100 MB and WebP stickers";

    private static string? ExtensionType(string? fileName) =>
        Path.GetExtension(fileName ?? "") is { Length: > 0 } extension ? Extensions.GetValueOrDefault(extension.ToLowerInvariant()) : null;

    private enum ContentFamily { Unknown, Text, Jpeg, Png, WebP, Pdf, Ole2, Zip, Ogg, Amr, IsoMedia, Mp3, Adts }

    private static bool Agrees(string declared, ContentFamily content) => declared switch
    {
        "image/jpeg" => content == ContentFamily.Jpeg,
        "image/png" => content == ContentFamily.Png,
        "image/webp" => content == ContentFamily.WebP,
        "application/pdf" => content == ContentFamily.Pdf,
        "application/msword" or "application/vnd.ms-excel" or "application/vnd.ms-powerpoint" => content == ContentFamily.Ole2,
        "text/plain" => content == ContentFamily.Text,
        "audio/ogg" => content == ContentFamily.Ogg,
        "audio/amr" => content == ContentFamily.Amr,
        "audio/mpeg" => content == ContentFamily.Mp3,
        "audio/aac" => content == ContentFamily.Adts,
        "audio/mp4" or "video/mp4" or "video/3gpp" => content == ContentFamily.IsoMedia,
        _ when declared.StartsWith("application/vnd.openxmlformats-officedocument.", StringComparison.Ordinal) => content == ContentFamily.Zip,
        _ => false,
    };

    private static ContentFamily Content(ReadOnlySpan<byte> h)
    {
        if (h.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])) return ContentFamily.Jpeg;
        if (h.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A])) return ContentFamily.Png;
        if (h.Length >= 12 && h.StartsWith("RIFF"u8) && h[8..12].SequenceEqual("WEBP"u8)) return ContentFamily.WebP;
        if (h.StartsWith("%PDF-"u8)) return ContentFamily.Pdf;
        if (h.StartsWith((ReadOnlySpan<byte>)[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])) return ContentFamily.Ole2;
        if (h.StartsWith((ReadOnlySpan<byte>)[(byte)'P', (byte)'K', 0x03, 0x04])) return ContentFamily.Zip;
        if (h.StartsWith("OggS"u8)) return ContentFamily.Ogg;
        if (h.StartsWith("#!AMR"u8)) return ContentFamily.Amr;
        if (h.Length >= 8 && h[4..8].SequenceEqual("ftyp"u8)) return ContentFamily.IsoMedia;
        if (h.StartsWith("ID3"u8)) return ContentFamily.Mp3;
        if (h.Length >= 2 && h[0] == 0xFF && (h[1] & 0xF6) == 0xF0) return ContentFamily.Adts; // MPEG sync, layer 00: AAC in ADTS
        if (h.StartsWith("ADIF"u8)) return ContentFamily.Adts;
        if (h.Length >= 2 && h[0] == 0xFF && (h[1] & 0xE0) == 0xE0 && (h[1] & 0x06) != 0) return ContentFamily.Mp3; // an MP3 frame
        return h.Contains((byte)0) ? ContentFamily.Unknown : ContentFamily.Text;
    }

    private static string Describe(string mimeType) => KindOf(mimeType) switch
    {
        { Name: "image" } => mimeType == "image/png" ? "a PNG image" : "a JPEG image",
        { Name: "sticker" } => "a WebP image",
        { Name: "video" } => "a video",
        { Name: "audio" } => "an audio file",
        _ => mimeType switch
        {
            "application/pdf" => "a PDF document",
            "text/plain" => "a text file",
            _ => "an Office document",
        },
    };

    private static string Describe(ContentFamily content) => content switch
    {
        ContentFamily.Jpeg => "a JPEG image",
        ContentFamily.Png => "a PNG image",
        ContentFamily.WebP => "a WebP image",
        ContentFamily.Pdf => "a PDF document",
        ContentFamily.Ole2 => "an Office document (97–2003)",
        ContentFamily.Zip => "a ZIP archive (or an Office document)",
        ContentFamily.Ogg => "OGG audio",
        ContentFamily.Amr => "AMR audio",
        ContentFamily.IsoMedia => "an MP4/3GP media file",
        ContentFamily.Mp3 => "MP3 audio",
        ContentFamily.Adts => "AAC audio",
        _ => "something else",
    };

    /// <summary>An extended WebP (VP8X chunk) whose animation flag is set: such stickers may be 500 KB, static ones 100 KB.</summary>
    public static bool IsAnimatedWebP(ReadOnlySpan<byte> head) =>
        head.Length >= 21 && head[12..16].SequenceEqual("VP8X"u8) && (head[20] & 0x02) != 0;
}
