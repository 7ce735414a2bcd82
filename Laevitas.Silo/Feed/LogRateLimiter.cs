namespace Laevitas.Silo.Feed;

/// <summary>
/// Lets one log entry through per period and counts the ones it held back, so a flood of bad messages costs
/// a counter increment each instead of a log line each.
/// </summary>
internal sealed class LogRateLimiter(TimeSpan period, TimeProvider time)
{
    private readonly long _periodTicks = (long)(period.TotalSeconds * time.TimestampFrequency);
    private long _nextAllowed;
    private long _suppressed;

    /// <summary>True when the caller should log now; <paramref name="suppressed"/> is how many were held back since the last one.</summary>
    public bool TryAcquire(out long suppressed)
    {
        var now = time.GetTimestamp();
        var next = Volatile.Read(ref _nextAllowed);
        if (now < next || Interlocked.CompareExchange(ref _nextAllowed, now + _periodTicks, next) != next)
        {
            Interlocked.Increment(ref _suppressed);
            suppressed = 0;
            return false;
        }

        suppressed = Interlocked.Exchange(ref _suppressed, 0);
        return true;
    }
}
