using System.Globalization;

namespace Inbox.Bench;

/// <summary>`[scenario] --name value …`; every scenario reads the options it knows, with its own default.</summary>
public sealed class BenchOptions
{
    private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);

    public string Scenario { get; private init; } = "all";

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var named = args.Count > 0 && !args[0].StartsWith("--", StringComparison.Ordinal);
        var options = new BenchOptions { Scenario = named ? args[0] : "all" };
        for (var i = named ? 1 : 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"Unexpected argument '{args[i]}'.");
            var name = args[i][2..];
            var eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0) options._values[name[..eq]] = name[(eq + 1)..];
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) options._values[name] = args[++i];
            else options._values[name] = "true";
        }
        return options;
    }

    public static BenchOptions Of(params (string Name, object Value)[] values)
    {
        var options = new BenchOptions();
        foreach (var (name, value) in values) options._values[name] = Convert.ToString(value, CultureInfo.InvariantCulture)!;
        return options;
    }

    public bool Has(string name) => _values.ContainsKey(name);

    public int Int(string name, int fallback) => _values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public double Double(string name, double fallback) =>
        _values.TryGetValue(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

    /// <summary>The first of several names that is set (e.g. --e2e-rate, then --rate when e2e runs alone).</summary>
    public double Double(string[] names, double fallback) =>
        names.FirstOrDefault(Has) is { } name ? Double(name, fallback) : fallback;

    public int Int(string[] names, int fallback) => names.FirstOrDefault(Has) is { } name ? Int(name, fallback) : fallback;

    public string? String(string name) => _values.GetValueOrDefault(name);
}
