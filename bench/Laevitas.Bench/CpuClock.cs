using System.Diagnostics;

namespace Laevitas.Bench;

/// <summary>Processor time this process used since <see cref="Start"/> (all threads, native ones included).</summary>
internal readonly struct CpuClock
{
    private readonly TimeSpan start;

    private CpuClock(TimeSpan start) => this.start = start;

    public TimeSpan Elapsed => Now() - start;

    public static CpuClock Start() => new(Now());

    private static TimeSpan Now()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }
}
