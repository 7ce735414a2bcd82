namespace Laevitas.Bench.EndToEnd;

/// <summary>
/// One load level of the pipeline run. Rates are over the measured window: <see cref="SentPerSecond"/> from the
/// simulator's counter, <see cref="LandedPerSecond"/> from the rows whose transaction committed inside the window.
/// CPU is in cores (CPU seconds per wall second) during the window.
/// </summary>
internal sealed record LoadPhaseResult(
    string Label,
    double OfferedPerSecond,
    double SentPerSecond,
    double LandedPerSecond,
    LatencyStats Latency,
    TimeSpan Window,
    double SiloCores,
    double PostgresCores,
    double BenchCores,
    long SiloMaxRssBytes,
    TimeSpan? Drain)
{
    /// <summary>Silo CPU milliseconds per 1,000 rows landed.</summary>
    public double SiloCpuMsPer1000 => LandedPerSecond > 0 ? SiloCores * 1000 / LandedPerSecond * 1000 : double.NaN;
}
