using System.Text;
using Inbox.WhatsApp;

namespace Inbox.Tests.Unit;

public sealed class WhatsAppMediaTests
{
    private static readonly byte[] Png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, (byte)'J', (byte)'F', (byte)'I', (byte)'F'];
    private static readonly byte[] Pdf = Encoding.ASCII.GetBytes("%PDF-1.7\n%\u00e2\u00e3");
    private static readonly byte[] Zip = [(byte)'P', (byte)'K', 3, 4, 20, 0, 6, 0];
    private static readonly byte[] Ole2 = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0];
    private static readonly byte[] Mp4 = [0, 0, 0, 0x20, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'i', (byte)'s', (byte)'o', (byte)'m'];
    private static readonly byte[] Ogg = Encoding.ASCII.GetBytes("OggS\0\u0002");
    private static readonly byte[] Mp3Frame = [0xFF, 0xFB, 0x90, 0x64, 0];
    private static readonly byte[] Aac = [0xFF, 0xF1, 0x50, 0x80, 0];
    private static readonly byte[] StaticWebP = Encoding.ASCII.GetBytes("RIFF\0\0\0\0WEBPVP8 \0\0\0\0\0\0\0\0\0");
    private static readonly byte[] AnimatedWebP = Encoding.ASCII.GetBytes("RIFF\0\0\0\0WEBPVP8X\0\0\0\0\u0002\0\0\0");

    [Theory]
    [InlineData("image/png", "a.png", "image", "image/png")]
    [InlineData("image/jpeg", "a.jpg", "image", "image/jpeg")]
    [InlineData("image/jpg", "a.jpg", "image", "image/jpeg")]
    [InlineData("application/pdf", "a.pdf", "document", "application/pdf")]
    [InlineData("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "a.docx", "document",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")]
    [InlineData("application/vnd.ms-excel", "a.xls", "document", "application/vnd.ms-excel")]
    [InlineData("video/mp4", "a.mp4", "video", "video/mp4")]
    [InlineData("audio/mp4", "a.m4a", "audio", "audio/mp4")]
    [InlineData("audio/ogg; codecs=opus", "a.ogg", "audio", "audio/ogg")]
    [InlineData("audio/mpeg", "a.mp3", "audio", "audio/mpeg")]
    [InlineData("audio/aac", "a.aac", "audio", "audio/aac")]
    [InlineData("image/webp", "a.webp", "sticker", "image/webp")]
    [InlineData("text/plain", "a.txt", "document", "text/plain")]
    public void A_file_of_a_type_WhatsApp_takes_is_classified_by_its_declared_type(string declared, string name, string kind, string mime)
    {
        var (file, refusal) = WhatsAppMedia.Classify(declared, name, HeadFor(mime));

        Assert.Null(refusal);
        Assert.Equal(kind, file!.Kind.Name);
        Assert.Equal(mime, file.MimeType);
    }

    [Theory]
    [InlineData(null, "photo.png", "image/png")]
    [InlineData("application/octet-stream", "voice.opus", "audio/ogg")]
    [InlineData("", "notes.txt", "text/plain")]
    [InlineData(null, "no-extension", "application/pdf")] // the content tells
    public void A_file_without_a_declared_type_is_known_by_its_extension_or_its_content(string? declared, string name, string expected)
    {
        var (file, _) = WhatsAppMedia.Classify(declared, name, HeadFor(expected));

        Assert.Equal(expected, file!.MimeType);
    }

    [Fact]
    public void A_type_WhatsApp_does_not_take_is_415_naming_it()
    {
        var (file, refusal) = WhatsAppMedia.Classify("image/gif", "dance.gif", Encoding.ASCII.GetBytes("GIF89a"));

        Assert.Null(file);
        Assert.Equal(415, refusal!.Status);
        Assert.Contains("image/gif", refusal.Detail);
    }

    [Theory]
    [InlineData("image/png", "Pdf", "a PDF document")]
    [InlineData("application/pdf", "Png", "a PNG image")]
    [InlineData("image/jpeg", "Png", "a PNG image")]
    [InlineData("video/mp4", "Ogg", "OGG audio")]
    [InlineData("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Pdf", "a PDF document")]
    [InlineData("text/plain", "Png", "a PNG image")]
    public void Content_that_is_not_what_it_is_declared_as_is_415_saying_what_it_is(string declared, string content, string actual)
    {
        var head = (byte[])typeof(WhatsAppMediaTests).GetField(content, System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.GetValue(null)!;

        var (_, refusal) = WhatsAppMedia.Classify(declared, "file", head);

        Assert.Equal(415, refusal!.Status);
        Assert.Contains(actual, refusal.Detail);
    }

    [Fact]
    public void Binary_content_is_not_a_text_file()
    {
        var (_, refusal) = WhatsAppMedia.Classify("text/plain", "a.txt", [1, 2, 0, 4]);

        Assert.Equal(415, refusal!.Status);
    }

    [Theory]
    [InlineData("image/png", 5 * 1024 * 1024)]
    [InlineData("video/mp4", 16 * 1024 * 1024)]
    [InlineData("audio/ogg", 16 * 1024 * 1024)]
    [InlineData("application/pdf", 100 * 1024 * 1024)]
    public void Each_kind_has_WhatsApps_size_limit(string mime, long limit) =>
        Assert.Equal(limit, WhatsAppMedia.Classify(mime, null, HeadFor(mime)).File!.MaxBytes);

    [Fact]
    public void A_static_sticker_may_have_100_KB_and_an_animated_one_500_KB()
    {
        Assert.Equal(100 * 1024, WhatsAppMedia.Classify("image/webp", "s.webp", StaticWebP).File!.MaxBytes);
        Assert.Equal(500 * 1024, WhatsAppMedia.Classify("image/webp", "s.webp", AnimatedWebP).File!.MaxBytes);
    }

    [Fact]
    public void Too_large_is_413_with_the_limit_in_words()
    {
        var image = WhatsAppMedia.Classify("image/png", "a.png", Png).File!;
        var sticker = WhatsAppMedia.Classify("image/webp", "s.webp", StaticWebP).File!;

        var refusal = WhatsAppMedia.TooLarge(image, 7 * 1024 * 1024 + 300 * 1024);

        Assert.Equal(413, refusal.Status);
        Assert.Equal("Images may be at most 5 MB on WhatsApp; this file is 7.3 MB.", refusal.Detail);
        Assert.StartsWith("Stickers (static WebP) may be at most 100 KB", WhatsAppMedia.TooLarge(sticker, null).Detail);
    }

    private static byte[] HeadFor(string mime) => WhatsAppMedia.Normalize(mime) switch
    {
        "image/png" => Png,
        "image/jpeg" => Jpeg,
        "application/pdf" => Pdf,
        "application/msword" or "application/vnd.ms-excel" or "application/vnd.ms-powerpoint" => Ole2,
        "video/mp4" or "audio/mp4" or "video/3gpp" => Mp4,
        "audio/ogg" => Ogg,
        "audio/mpeg" => Mp3Frame,
        "audio/aac" => Aac,
        "image/webp" => StaticWebP,
        "text/plain" => Encoding.UTF8.GetBytes("Order #7: two chairs, délivery Friday"),
        _ => Zip,
    };
}
