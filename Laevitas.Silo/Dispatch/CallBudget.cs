namespace Laevitas.Silo.Dispatch;

/// <summary>
/// Token bucket for <see cref="DispatchOptions.MaxCallsPerSecond"/>: each pump round may start as many calls as the
/// rate earned since the previous round, with at most <see cref="MaxBurst"/> of savings so an idle spell does not
/// become a burst of thousands of calls.
/// </summary>
internal sealed class CallBudget
{
    /// <summary>Seconds of budget an idle dispatcher may save up.</summary>
    private const double MaxBurst = 0.1;

    private readonly double perSecond;
    private readonly TimeProvider timeProvider;
    private long lastRefill;
    private double tokens;

    public CallBudget(int maxCallsPerSecond, TimeProvider timeProvider)
    {
        perSecond = maxCallsPerSecond;
        this.timeProvider = timeProvider;
        lastRefill = timeProvider.GetTimestamp();
        tokens = perSecond * MaxBurst;
    }

    /// <summary>Calls that may start now (int.MaxValue when unbounded, at least one otherwise).</summary>
    public int Refill()
    {
        if (perSecond <= 0)
        {
            return int.MaxValue;
        }

        var now = timeProvider.GetTimestamp();
        tokens = Math.Min(perSecond * MaxBurst, tokens + timeProvider.GetElapsedTime(lastRefill, now).TotalSeconds * perSecond);
        lastRefill = now;
        var whole = Math.Max(1, (int)tokens);
        tokens -= whole;
        return whole;
    }
}
