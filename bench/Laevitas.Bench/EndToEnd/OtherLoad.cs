using System.Globalization;

namespace Laevitas.Bench.EndToEnd;

/// <summary>
/// How much CPU other processes take while the bench measures nothing yet: the machine's busy time from
/// <c>/proc/stat</c> minus this process's own, over a few seconds, and the processes that took most of it.
/// </summary>
/// <remarks>
/// Why: the same run sustained a fraction of its quiet-machine rate with stray processes of an earlier test run
/// still busy (bench/results.md, "Other load"). Figures from a shared machine cannot tell a change from the
/// machine's mood.
/// </remarks>
internal sealed record OtherLoad(double Cores, IReadOnlyList<(int Pid, string Name, double Cores)> Busiest)
{
    /// <summary>Above this share of the machine's CPUs taken by others, the bench refuses to start (a few percent).</summary>
    public const double QuietShare = 0.05;

    public static async Task<OtherLoad> MeasureAsync(TimeSpan span, CancellationToken cancellationToken)
    {
        var self = Environment.ProcessId;
        var machineBefore = MachineBusyTicks();
        var processesBefore = ProcessTicks();
        var started = DateTime.UtcNow;
        await Task.Delay(span, cancellationToken);
        var seconds = (DateTime.UtcNow - started).TotalSeconds;
        var machineAfter = MachineBusyTicks();
        var processesAfter = ProcessTicks();
        var perSecond = (double)ClockTicksPerSecond;
        var self0 = processesBefore.GetValueOrDefault(self).Ticks;
        var self1 = processesAfter.GetValueOrDefault(self).Ticks;
        var others = Math.Max(0, (machineAfter - machineBefore) - (self1 - self0)) / perSecond / seconds;
        var busiest = processesAfter
            .Where(p => p.Key != self && processesBefore.ContainsKey(p.Key))
            .Select(p => (Pid: p.Key, p.Value.Name, Cores: (p.Value.Ticks - processesBefore[p.Key].Ticks) / perSecond / seconds))
            .Where(p => p.Cores > 0)
            .OrderByDescending(p => p.Cores)
            .Take(5)
            .ToList();
        return new OtherLoad(others, busiest);
    }

    public bool IsQuiet(int logicalCpus) => Cores <= QuietShare * logicalCpus;

    public string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"{Cores:0.00} cores taken by other processes") +
        (Busiest.Count == 0 ? "" : "; most: " + string.Join(", ", Busiest.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Name} (pid {p.Pid}) {p.Cores:0.00}"))));

    // USER_HZ: 100 on every Linux the bench runs on (the kernel exports CPU times in these units).
    private const int ClockTicksPerSecond = 100;

    /// <summary>Busy CPU time of the whole machine (all but idle and iowait), in clock ticks.</summary>
    private static long MachineBusyTicks()
    {
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // cpu user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
        long Field(int i) => i < cpu.Length ? long.Parse(cpu[i], CultureInfo.InvariantCulture) : 0;
        return Field(1) + Field(2) + Field(3) + Field(6) + Field(7) + Field(8);
    }

    /// <summary>utime + stime of every process, in clock ticks, with its name.</summary>
    private static Dictionary<int, (string Name, long Ticks)> ProcessTicks()
    {
        var result = new Dictionary<int, (string, long)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                // pid (comm) state ppid ... utime stime: comm may hold spaces and parentheses, so split after the last ')'.
                var close = stat.LastIndexOf(')');
                var name = stat[(stat.IndexOf('(') + 1)..close];
                var fields = stat[(close + 2)..].Split(' ');
                result[pid] = (name, long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // Gone in between, or not ours to read.
            }
        }

        return result;
    }
}
