using System.Globalization;
using Inbox.WebhookIngest;

namespace Inbox.Manage;

/// <summary>`replay --from 2026-11-22T10:00Z --to 2026-11-22T11:00Z`: re-processes the ledger in that range.</summary>
public static class ReplayCommand
{
    public static async Task<int> RunAsync(string[] args, LedgerReplay replay)
    {
        var from = Option(args, "--from");
        var to = Option(args, "--to") ?? DateTimeOffset.UtcNow.AddSeconds(1);
        if (from is null)
        {
            Console.Error.WriteLine("usage: replay --from <ISO 8601 time> [--to <ISO 8601 time, default now>]");
            return 2;
        }
        var summary = await replay.ReplayAsync(from.Value, to, CancellationToken.None);
        Console.WriteLine($"Replayed {summary.Envelopes} envelopes from {from:O} to {to:O}: {summary.Stored} items stored, " +
                          $"{summary.Duplicates} already known, {summary.Unreadable} not JSON, " +
                          $"{summary.Unverified} skipped (no current app secret verifies their signature). Running services publish the events.");
        return 0;
    }

    private static DateTimeOffset? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        if (index < 0 || index + 1 >= args.Length) return null;
        return DateTimeOffset.TryParse(args[index + 1], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value
            : throw new ArgumentException($"{name}: '{args[index + 1]}' is not a time (use ISO 8601, e.g. 2026-11-22T10:00:00Z).");
    }
}
