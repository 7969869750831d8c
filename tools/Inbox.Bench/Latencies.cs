using System.Diagnostics;

namespace Inbox.Bench;

/// <summary>Latency samples in milliseconds, thread-safe to add; percentiles by the nearest-rank method.</summary>
public sealed class Latencies
{
    private readonly List<double> _samples = [];
    private readonly Lock _lock = new();

    public int Count { get { lock (_lock) return _samples.Count; } }

    public void Add(double milliseconds) { lock (_lock) _samples.Add(milliseconds); }

    /// <summary>Milliseconds from a <see cref="Stopwatch.GetTimestamp"/> to now.</summary>
    public void AddSince(long startTimestamp) => Add(Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds);

    public Summary Summarize()
    {
        double[] sorted;
        lock (_lock) sorted = [.. _samples];
        Array.Sort(sorted);
        return new Summary(sorted.Length, Percentile(sorted, 50), Percentile(sorted, 95), Percentile(sorted, 99),
            Percentile(sorted, 99.9), sorted.Length == 0 ? 0 : sorted[^1]);
    }

    /// <summary>
    /// Nearest rank: the smallest sample with at least p % of the samples at or below it (p99 of 1,000 samples is
    /// the 990th smallest). 0 for no samples.
    /// </summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0) return 0;
        var rank = (int)Math.Ceiling(p * sorted.Count / 100 - 1e-9); // 99.9 / 100 * 1000 is 999.0000000000001 in doubles
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }

    public sealed record Summary(int Count, double P50, double P95, double P99, double P999, double Max);
}
