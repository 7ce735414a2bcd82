using System.Globalization;

namespace Laevitas.Testing.Processes;

/// <summary>
/// One reading of a Linux process from <c>/proc</c>: resident memory now and at its peak (the kernel's high-water
/// mark, so a spike between two readings is not missed), and processor time used so far.
/// </summary>
public readonly record struct ProcessSample(DateTime AtUtc, long RssBytes, long PeakRssBytes, TimeSpan Cpu)
{
    // USER_HZ: the unit of the times in /proc/PID/stat. 100 on every Linux architecture .NET runs on.
    private const double ClockTicksPerSecond = 100;

    /// <summary>Null when the process is gone.</summary>
    public static ProcessSample? Read(int pid)
    {
        try
        {
            var status = File.ReadAllText($"/proc/{pid}/status");
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return new ProcessSample(DateTime.UtcNow, StatusKiloBytes(status, "VmRSS:") * 1024, StatusKiloBytes(status, "VmHWM:") * 1024, CpuTime(stat, includeReapedChildren: false));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// Processor time of a process and all its descendants, live or already exited (the kernel adds a reaped child's
    /// time to its parent's <c>cutime/cstime</c>). For PostgreSQL: the postmaster and its backends.
    /// </summary>
    public static TimeSpan TreeCpu(int rootPid)
    {
        var total = TimeSpan.Zero;
        var children = new Dictionary<int, List<int>>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            var stat = TryRead($"/proc/{pid}/stat");
            if (stat is null)
            {
                continue;
            }

            var parent = int.Parse(Fields(stat)[1], CultureInfo.InvariantCulture);
            if (!children.TryGetValue(parent, out var list))
            {
                children[parent] = list = [];
            }

            list.Add(pid);
        }

        var pending = new Stack<int>([rootPid]);
        while (pending.TryPop(out var pid))
        {
            if (TryRead($"/proc/{pid}/stat") is { } stat)
            {
                total += CpuTime(stat, includeReapedChildren: true);
            }

            foreach (var child in children.GetValueOrDefault(pid) ?? [])
            {
                pending.Push(child);
            }
        }

        return total;
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return null;
        }
    }

    // Fields after the command name, which is in parentheses and may itself contain spaces and parentheses:
    // [0] state, [1] ppid, ... [11] utime, [12] stime, [13] cutime, [14] cstime.
    private static string[] Fields(string stat) => stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

    private static TimeSpan CpuTime(string stat, bool includeReapedChildren)
    {
        var fields = Fields(stat);
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        if (includeReapedChildren)
        {
            ticks += long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
        }

        return TimeSpan.FromSeconds(ticks / ClockTicksPerSecond);
    }

    private static long StatusKiloBytes(string status, string key)
    {
        var start = status.IndexOf(key, StringComparison.Ordinal);
        if (start < 0)
        {
            return 0;
        }

        var end = status.IndexOf('\n', start);
        var text = status[(start + key.Length)..(end < 0 ? status.Length : end)].Trim();
        return long.Parse(text.Split(' ')[0], CultureInfo.InvariantCulture);
    }
}
