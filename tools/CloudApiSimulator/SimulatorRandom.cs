using Microsoft.Extensions.Options;

namespace Inbox.CloudApiSimulator;

/// <summary>One source of randomness for traffic, jitter and duplicates; seeded by Simulator:Seed for repeatable runs.</summary>
public sealed class SimulatorRandom(IOptions<SimulatorOptions> options)
{
    private readonly Random _random = options.Value.Seed is { } seed ? new Random(seed) : new Random();
    private readonly Lock _lock = new();

    public double NextDouble()
    {
        lock (_lock) return _random.NextDouble();
    }

    public int Next(int maxExclusive)
    {
        lock (_lock) return _random.Next(maxExclusive);
    }

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    /// <summary>True with the given probability (0–1).</summary>
    public bool Chance(double probability) => probability > 0 && NextDouble() < probability;

    public TimeSpan Jitter(TimeSpan max) => max <= TimeSpan.Zero ? TimeSpan.Zero : max * NextDouble();

    /// <summary>A key picked by its relative weight; null when every weight is zero.</summary>
    public string? Weighted(IReadOnlyDictionary<string, double> weights)
    {
        var total = weights.Values.Where(w => w > 0).Sum();
        if (total <= 0) return null;
        var roll = NextDouble() * total;
        foreach (var (key, weight) in weights.OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            if (weight <= 0) continue;
            if ((roll -= weight) < 0) return key;
        }
        return weights.Where(w => w.Value > 0).OrderBy(w => w.Key, StringComparer.Ordinal).Last().Key;
    }
}
