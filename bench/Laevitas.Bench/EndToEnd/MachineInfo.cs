using System.Globalization;
using System.Runtime.InteropServices;

namespace Laevitas.Bench.EndToEnd;

/// <summary>What the figures were measured on, from <c>/proc</c>.</summary>
internal sealed record MachineInfo(string CpuModel, int LogicalCpus, double MemoryGiB, string Kernel, string Runtime)
{
    public static MachineInfo Read()
    {
        var cpuinfo = TryRead("/proc/cpuinfo");
        var model = cpuinfo.Split('\n').FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        var meminfo = TryRead("/proc/meminfo");
        var totalKb = meminfo.Split('\n').FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))?
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var memory = totalKb is null ? 0 : long.Parse(totalKb, CultureInfo.InvariantCulture) / 1024.0 / 1024.0;
        return new MachineInfo(model, Environment.ProcessorCount, memory, TryRead("/proc/sys/kernel/osrelease").Trim(), RuntimeInformation.FrameworkDescription);
    }

    /// <summary>The 1, 5 and 15 minute load averages: how busy the shared machine was.</summary>
    public static string LoadAverage() => string.Join(" ", TryRead("/proc/loadavg").Split(' ').Take(3));

    private static string TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }
}
