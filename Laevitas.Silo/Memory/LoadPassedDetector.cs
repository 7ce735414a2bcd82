namespace Laevitas.Silo.Memory;

/// <summary>
/// Tells from the allocation rate, sampled at a fixed interval, when a load has passed: allocation has stayed below a
/// quarter of its peak for <c>quietFor</c>. The peak decays (halves every minute): what counts is the load of the last
/// minutes, so a load that ebbs over minutes also ends up counting as passed, while one that ebbs slower than that is
/// the load there is. After a pass the peak restarts from the rate then, so the next pass needs a next load.
/// </summary>
internal sealed class LoadPassedDetector(TimeSpan quietFor)
{
    /// <summary>
    /// Peaks below this are no load worth giving memory back after: an idle silo allocates 5-15 MiB/s of its own with
    /// 5,000 instruments (timers, membership, metrics), 10,000 ticks/s about 100 MiB/s (the bench, 2026-12-05).
    /// </summary>
    public const double IdleBytesPerSecond = 32 * 1024 * 1024;

    private double peak;
    private TimeSpan quiet;

    /// <summary>Takes the allocation rate over the last <paramref name="interval"/>; true when the load has just passed.</summary>
    public bool Observe(double bytesPerSecond, TimeSpan interval)
    {
        peak = Math.Max(bytesPerSecond, peak * Math.Pow(0.5, interval.TotalSeconds / 60));
        quiet = peak >= IdleBytesPerSecond && bytesPerSecond < peak / 4 ? quiet + interval : TimeSpan.Zero;
        if (quiet < quietFor)
        {
            return false;
        }

        peak = bytesPerSecond;
        quiet = TimeSpan.Zero;
        return true;
    }

    /// <summary>The highest rate of the current load, decayed, for the log.</summary>
    public double Peak => peak;
}
