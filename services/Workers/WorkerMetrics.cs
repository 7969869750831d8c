using System.Diagnostics.Metrics;

namespace Inbox.Workers;

/// <summary>
/// Workers' instruments (meter Inbox.Workers): sends Meta refused for good, by Meta's error code ("none" when the
/// Graph API could not be reached), and each media download attempt by its outcome (ready, retry, failed).
/// </summary>
public static class WorkerMetrics
{
    public const string Name = "Inbox.Workers";

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> SendFailures = Meter.CreateCounter<long>(
        "inbox.send.failures", "{message}", "Outbound sends failed for good, by Meta error code");

    private static readonly Counter<long> MediaDownloads = Meter.CreateCounter<long>(
        "inbox.media.downloads", "{attempt}", "Media download attempts, by outcome");

    public static void SendFailed(int? metaCode) =>
        SendFailures.Add(1, new KeyValuePair<string, object?>("code", metaCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"));

    public static void MediaDownload(string outcome) => MediaDownloads.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
