using System.Diagnostics;
using System.Globalization;

namespace Inbox.Bench.Compare;

/// <summary>
/// CPU seconds of a stack's processes, sampled from /proc every 250 ms while a load runs, so that the CPU of any
/// window (the generator's send phase) can be read afterwards. A stack is named processes (the Inbox services, or
/// the peer's Node process), the PostgreSQL backends of its database (their process title names it), and
/// optionally RabbitMQ (beam.smp). PostgreSQL's shared background processes (WAL writer, checkpointer) are left
/// out: other databases on the cluster share them. RabbitMQ is counted whole: other vhosts on the broker (other
/// stacks on this machine) add to it.
/// </summary>
public sealed class ProcessCpu : IAsyncDisposable
{
    private const double TicksPerSecond = 100; // USER_HZ
    private readonly IReadOnlyDictionary<int, string> _named;
    private readonly string? _database;
    private readonly bool _rabbitMq;
    private readonly Dictionary<int, string> _groupOf = [];
    private readonly HashSet<int> _ignored = [];
    private readonly List<(long At, Dictionary<int, double> Cpu)> _samples = [];
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;

    /// <param name="named">pid → group ("services" …) of the stack's own processes.</param>
    /// <param name="database">Its PostgreSQL database: backends connected to it count as "postgres".</param>
    /// <param name="rabbitMq">Whether RabbitMQ's beam.smp counts as "rabbitmq".</param>
    public ProcessCpu(IReadOnlyDictionary<int, string> named, string? database, bool rabbitMq)
    {
        (_named, _database, _rabbitMq) = (named, database, rabbitMq);
        Sample();
        _sampling = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
            try { while (await timer.WaitForNextTickAsync(_stop.Token)) Sample(); }
            catch (OperationCanceledException) { }
        });
    }

    /// <summary>
    /// CPU seconds per group between two Stopwatch timestamps, each process's counter interpolated between the
    /// samples either side of each end (a process that started or ended inside the window counts from or up to then).
    /// </summary>
    public IReadOnlyDictionary<string, double> Between(long from, long to)
    {
        Sample();
        List<(long At, Dictionary<int, double> Cpu)> samples;
        Dictionary<int, string> groupOf;
        lock (_lock) (samples, groupOf) = ([.. _samples], new Dictionary<int, string>(_groupOf));
        var groups = new SortedDictionary<string, double>(StringComparer.Ordinal);
        var pids = samples.Where(s => s.At > from && s.At <= to).SelectMany(s => s.Cpu.Keys).Distinct();
        foreach (var pid in pids)
        {
            if (!groupOf.TryGetValue(pid, out var group)) continue;
            var series = samples.Where(s => s.Cpu.ContainsKey(pid)).Select(s => (s.At, Cpu: s.Cpu[pid])).ToList();
            groups[group] = groups.GetValueOrDefault(group) + Math.Max(0, At(series, to) - At(series, from));
        }
        return groups;
    }

    /// <summary>A process's CPU counter at a time: interpolated between its samples, 0 before its first, its last after its last.</summary>
    private static double At(List<(long At, double Cpu)> series, long time)
    {
        var after = series.FindIndex(s => s.At > time);
        if (after == 0) return 0;
        if (after < 0) return series[^1].Cpu;
        var (a, b) = (series[after - 1], series[after]);
        return a.Cpu + (b.Cpu - a.Cpu) * (time - a.At) / (double)(b.At - a.At);
    }

    private void Sample()
    {
        var at = Stopwatch.GetTimestamp();
        var cpu = new Dictionary<int, double>();
        foreach (var (pid, _) in _named)
            if (Read(pid) is { } seconds) cpu[pid] = seconds;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || _named.ContainsKey(pid)) continue;
            string? group;
            lock (_lock) _groupOf.TryGetValue(pid, out group);
            if (group is null && !_ignored.Contains(pid))
            {
                var (classified, final) = Classify(pid);
                group = classified;
                lock (_lock)
                {
                    if (group is not null) _groupOf[pid] = group;
                    else if (final) _ignored.Add(pid);
                }
            }
            if (group is not null && Read(pid) is { } seconds) cpu[pid] = seconds;
        }
        lock (_lock)
        {
            foreach (var (pid, group) in _named) _groupOf[pid] = group;
            _samples.Add((at, cpu));
        }
    }

    /// <summary>
    /// "postgres" for a backend of the database, "rabbitmq" for the broker, null for anything else; final when that
    /// cannot change (a PostgreSQL process is asked again: a new backend names its database only once it has one).
    /// </summary>
    private (string? Group, bool Final) Classify(int pid)
    {
        try
        {
            var comm = File.ReadAllText($"/proc/{pid}/comm").Trim();
            if (_rabbitMq && comm == "beam.smp") return ("rabbitmq", true);
            if (_database is null || comm != "postgres") return (null, true);
            // A backend's title: "postgres: 15/main: <user> <database> <client> <state>".
            var parts = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return (parts.Length >= 4 && parts[0] == "postgres:" && parts[3] == _database ? "postgres" : null, false);
        }
        catch (IOException) { return (null, false); }
        catch (UnauthorizedAccessException) { return (null, true); }
    }

    /// <summary>utime + stime of a process in seconds, null when it is gone.</summary>
    public static double? Read(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }
}
