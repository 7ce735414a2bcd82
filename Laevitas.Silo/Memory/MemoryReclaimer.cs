using System.Diagnostics;
using System.Diagnostics.Metrics;
using Laevitas.Diagnostics;
using Microsoft.Extensions.Options;

namespace Laevitas.Silo.Memory;

/// <summary>
/// Gives memory back once a load has passed (<see cref="LoadPassedDetector"/>: allocation below a quarter of its peak
/// for <see cref="MemoryOptions.QuietFor"/>): one blocking, compacting, aggressive collection (which also releases the
/// GC's free regions) and a trim of the C heap (<see cref="NativeHeap"/>).
/// </summary>
/// <remarks>
/// <para>Why: the server GC collects when allocation fills a generation's budget, and a silo whose load has stopped
/// allocates next to nothing, so nothing collects the burst's garbage or decommits its regions: after the bench's
/// overload the silo sat at ~1.1 GiB for as long as it stayed idle (bench/results.md, "memory after the load").
/// In a pod that is memory the scheduler counts as used, and the margin against the memory limit a next burst needs.
/// </para>
/// <para>Why not on a timer: an aggressive collection stops the process for tens to hundreds of milliseconds and
/// throws away the GC's tuning, so it runs once per load that ended, never under a steady one (whose allocation stays
/// near its peak).</para>
/// </remarks>
internal sealed partial class MemoryReclaimer : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly IOptions<MemoryOptions> options;
    private readonly TimeProvider time;
    private readonly ILogger<MemoryReclaimer> logger;
    private long reclaims;

    public MemoryReclaimer(IOptions<MemoryOptions> options, TimeProvider time, IMeterFactory meterFactory, ILogger<MemoryReclaimer> logger)
    {
        this.options = options;
        this.time = time;
        this.logger = logger;
        new LaevitasMeter(meterFactory).ObserveCounter(LaevitasMetrics.MemoryReclaims, () => Interlocked.Read(ref reclaims));
    }

    // The GC and the C heap are the process's, not a host's: where several silo hosts share a process (tests), one
    // reclaimer watches and collects for all of them, instead of each forcing its own aggressive collection at once.
    private static int running;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.ReclaimAfterLoad || Interlocked.CompareExchange(ref running, 1, 0) != 0)
        {
            return;
        }

        try
        {
            await WatchAsync(stoppingToken);
        }
        finally
        {
            Volatile.Write(ref running, 0);
        }
    }

    private async Task WatchAsync(CancellationToken stoppingToken)
    {

        using var timer = new PeriodicTimer(Interval, time);
        var load = new LoadPassedDetector(options.Value.QuietFor);
        var lastAllocated = GC.GetTotalAllocatedBytes();
        var lastAt = time.GetTimestamp();
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var allocated = GC.GetTotalAllocatedBytes();
                var now = time.GetTimestamp();
                var elapsed = time.GetElapsedTime(lastAt, now);
                var rate = elapsed > TimeSpan.Zero ? (allocated - lastAllocated) / elapsed.TotalSeconds : 0;
                (lastAllocated, lastAt) = (allocated, now);
                var peak = load.Peak;
                if (load.Observe(rate, elapsed))
                {
                    Reclaim(peak, rate);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Reclaim(double peak, double rate)
    {
        var committedBefore = GC.GetGCMemoryInfo().TotalCommittedBytes;
        var rssBefore = Environment.WorkingSet;
        var started = Stopwatch.GetTimestamp();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var trimmed = NativeHeap.Trim();
        var took = Stopwatch.GetElapsedTime(started);
        Interlocked.Increment(ref reclaims);
        LogReclaimed(
            logger, peak / 1048576, rate / 1048576, took.TotalMilliseconds,
            committedBefore >> 20, GC.GetGCMemoryInfo().TotalCommittedBytes >> 20,
            rssBefore >> 20, Environment.WorkingSet >> 20, trimmed ? "trimmed" : "not trimmed (no glibc)");
    }

    [LoggerMessage(EventId = 5607, Level = LogLevel.Information, Message =
        "Load passed (allocation {Peak:0} → {Rate:0} MiB/s): compacted the heap and gave memory back in {Milliseconds:0} ms; " +
        "GC committed {CommittedBefore} → {CommittedAfter} MiB, resident {RssBefore} → {RssAfter} MiB; C heap {Trim}")]
    private static partial void LogReclaimed(
        ILogger logger, double peak, double rate, double milliseconds, long committedBefore, long committedAfter, long rssBefore, long rssAfter, string trim);
}
