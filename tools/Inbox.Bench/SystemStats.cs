using System.Globalization;

namespace Inbox.Bench;

/// <summary>What /proc says about the machine and a process: load average, and a process's resident memory and CPU time.</summary>
public static class SystemStats
{
    /// <summary>The 1, 5 and 15-minute load averages, as /proc/loadavg writes them.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    public static double LoadAverage1() =>
        File.Exists("/proc/loadavg") ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture) : 0;

    /// <summary>VmRSS and RssAnon (private, anonymous resident memory) of a process, in KB.</summary>
    public static (long RssKb, long PrivateKb) Memory(int pid)
    {
        long rss = 0, anon = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kb(line);
            else if (line.StartsWith("RssAnon:", StringComparison.Ordinal)) anon = Kb(line);
        }
        return (rss, anon);
    }

    /// <summary>CPU seconds (user + system) the processes have used so far; a process that is gone counts 0.</summary>
    public static double CpuSeconds(IEnumerable<int> pids) => pids.Sum(pid => Compare.ProcessCpu.Read(pid) ?? 0);

    private static long Kb(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
