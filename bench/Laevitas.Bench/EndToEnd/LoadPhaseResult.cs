namespace Laevitas.Bench.EndToEnd;

/// <summary>
/// One load level of the pipeline run, measured over <see cref="Windows"/> back-to-back windows. Rates are each
/// window's, and the level's figure is their median: <see cref="SentPerSecond"/> from the simulator's counter,
/// <see cref="LandedPerSecond"/> from the rows whose transaction committed inside the window. CPU is in cores (CPU
/// seconds per wall second) over all the windows; latency covers all of them. <see cref="Shed"/> and
/// <see cref="BrokerDeleted"/> are the silo's counters over the level (warm-up and drain included): ticks the
/// dispatcher dropped past its backlog bound, and ticks the broker deleted before the writers read them.
/// <see cref="AllocatedBytesPerTick"/> is the silo's managed allocation over all the windows (its own runtime
/// counter) per tick sent: unlike CPU per tick, the machine's other load barely moves it.
/// </summary>
internal sealed record LoadPhaseResult(
    string Label,
    double OfferedPerSecond,
    IReadOnlyList<WindowFigures> Windows,
    LatencyStats Latency,
    TimeSpan Window,
    double SiloCores,
    double PostgresCores,
    double BenchCores,
    long SiloMaxRssBytes,
    TimeSpan? Drain,
    long? Shed = null,
    long? BrokerDeleted = null,
    double? AllocatedBytesPerTick = null)
{
    // How close to a level's rate the rows landed and the simulator's sends must be (see KeptUp).
    private const double KeptUpShare = 0.98;

    public double SentPerSecond => Statistics.Median(Windows.Select(w => w.SentPerSecond));

    /// <summary>
    /// The pipeline kept up with this level: every tick of it stored once the load stopped, the rows committed inside
    /// the windows within 2 % of what was sent (the backlog at the windows' edges and the simulator's pacing move that
    /// count a percent or so either way), and the simulator sent within 2 % of what was offered (a feed that stops
    /// reading holds the simulator back, so a level sent short was not taken at its rate).
    /// </summary>
    public bool KeptUp => NotKeptUpBecause is null;

    /// <summary>Which condition of <see cref="KeptUp"/> the level failed, said for the results; null when it kept up.</summary>
    public string? NotKeptUpBecause =>
        Drain is null ? $"not every tick sent was stored ({ResultsReport.Count(Shed)} shed by the dispatcher, {ResultsReport.Count(BrokerDeleted)} deleted unread by the broker)"
        : SentPerSecond < KeptUpShare * OfferedPerSecond ? ResultsReport.Invariant($"the simulator sent {SentPerSecond:N0}/s (the feed held it back, or it could send no more)")
        : LandedPerSecond < KeptUpShare * SentPerSecond ? ResultsReport.Invariant($"{LandedPerSecond:N0} rows/s landed inside the windows against {SentPerSecond:N0} sent")
        : null;

    public double LandedPerSecond => Statistics.Median(Windows.Select(w => w.LandedPerSecond));

    public double LandedMin => Windows.Min(w => w.LandedPerSecond);

    public double LandedMax => Windows.Max(w => w.LandedPerSecond);

    /// <summary>Silo CPU milliseconds per 1,000 rows landed: the median of the windows'.</summary>
    public double SiloCpuMsPer1000 => Statistics.Median(Windows.Select(w => w.SiloCpuMsPer1000));

    public double SiloCpuMsPer1000Min => Windows.Min(w => w.SiloCpuMsPer1000);

    public double SiloCpuMsPer1000Max => Windows.Max(w => w.SiloCpuMsPer1000);
}

/// <summary>One measured window of a load level.</summary>
internal sealed record WindowFigures(double SentPerSecond, double LandedPerSecond, double SiloCpuMsPer1000);
