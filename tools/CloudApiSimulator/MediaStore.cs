using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Inbox.CloudApiSimulator;

/// <summary>A media file the simulator holds: uploaded by a business, or sent by a simulated customer.</summary>
public sealed record MediaAsset(string Id, string OwnerPhoneNumberId, string MimeType, byte[] Bytes, string? FileName)
{
    /// <summary>The media lookup gives SHA-256 as hex…</summary>
    public string Sha256Hex { get; } = Convert.ToHexStringLower(SHA256.HashData(Bytes));

    /// <summary>…and webhooks give it as base64.</summary>
    public string Sha256Base64 => Convert.ToBase64String(Convert.FromHexString(Sha256Hex));
}

/// <summary>
/// Media files and their short-lived download URLs. A URL looks like Meta's lookaside one
/// (…/whatsapp_business/attachments/?mid=&amp;ext=&amp;hash=): ext is its expiry (unix seconds) and hash an HMAC
/// over mid and ext under a key of this process, so URLs cannot be forged or extended.
/// </summary>
public sealed class MediaStore(TimeProvider clock, IOptions<SimulatorOptions> options)
{
    public const string DownloadPath = "/whatsapp_business/attachments/";

    private readonly ConcurrentDictionary<string, MediaAsset> _assets = new(StringComparer.Ordinal);
    private readonly byte[] _urlKey = RandomNumberGenerator.GetBytes(32);

    /// <summary>Supported types and size limits per media kind (Meta's lists).</summary>
    public static readonly IReadOnlyDictionary<string, (string[] MimeTypes, long MaxBytes)> Kinds =
        new Dictionary<string, (string[], long)>
        {
            ["image"] = (["image/jpeg", "image/png"], 5 * 1024 * 1024),
            ["audio"] = (["audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"], 16 * 1024 * 1024),
            ["video"] = (["video/3gpp", "video/mp4"], 16 * 1024 * 1024),
            ["sticker"] = (["image/webp"], 500 * 1024),
            ["document"] = ([
                "text/plain", "application/pdf", "application/msword", "application/vnd.ms-excel",
                "application/vnd.ms-powerpoint",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            ], 100 * 1024 * 1024),
        };

    /// <summary>The media kind of a MIME type ("audio/ogg; codecs=opus" is audio), or null when unsupported.</summary>
    public static string? KindOf(string mimeType)
    {
        var bare = mimeType.Split(';')[0].Trim().ToLowerInvariant();
        return Kinds.FirstOrDefault(k => k.Value.MimeTypes.Contains(bare)).Key;
    }

    public MediaAsset Add(string ownerPhoneNumberId, string mimeType, byte[] bytes, string? fileName = null)
    {
        var asset = new MediaAsset(Ids.NewMediaId(), ownerPhoneNumberId, mimeType, bytes, fileName);
        _assets[asset.Id] = asset;
        return asset;
    }

    public MediaAsset? Find(string id) => _assets.GetValueOrDefault(id);

    public bool Delete(string id) => _assets.TryRemove(id, out _);

    public string DownloadUrl(MediaAsset asset, Uri baseUrl)
    {
        var expires = (clock.GetUtcNow() + options.Value.Media.UrlLifetime).ToUnixTimeSeconds()
            .ToString(CultureInfo.InvariantCulture);
        var root = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
        return new Uri(root, DownloadPath.TrimStart('/')) + $"?mid={asset.Id}&ext={expires}&hash={Hash(asset.Id, expires)}";
    }

    /// <summary>The asset a download URL names; Expired when its time is up, NotFound when it is unknown or forged.</summary>
    public (MediaAsset? Asset, DownloadProblem Problem) Resolve(string? mid, string? ext, string? hash)
    {
        if (mid is null || ext is null || hash is null
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(mid, ext)), Encoding.ASCII.GetBytes(hash))
            || !long.TryParse(ext, NumberStyles.None, CultureInfo.InvariantCulture, out var expires))
            return (null, DownloadProblem.NotFound);
        if (clock.GetUtcNow() > DateTimeOffset.FromUnixTimeSeconds(expires)) return (null, DownloadProblem.Expired);
        return Find(mid) is { } asset ? (asset, DownloadProblem.None) : (null, DownloadProblem.NotFound);
    }

    private string Hash(string mid, string ext) =>
        Convert.ToBase64String(HMACSHA256.HashData(_urlKey, Encoding.ASCII.GetBytes(mid + ":" + ext)))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

public enum DownloadProblem
{
    None,
    NotFound,
    Expired,
}
