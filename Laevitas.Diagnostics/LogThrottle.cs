namespace Laevitas.Diagnostics;

/// <summary>
/// Lets one log line through per interval and counts the occurrences in between, so that a condition hit for
/// every tick (spool full, broker down) is reported without flooding the log. Thread-safe.
/// </summary>
public sealed class LogThrottle(TimeSpan interval, TimeProvider timeProvider)
{
    private long nextAllowedTicks;
    private long suppressed;

    /// <summary>True when this occurrence should be logged; <paramref name="suppressedSinceLast"/> says how many were not.</summary>
    public bool ShouldLog(out long suppressedSinceLast)
    {
        var now = timeProvider.GetTimestamp();
        var next = Volatile.Read(ref nextAllowedTicks);
        if (now >= next && Interlocked.CompareExchange(ref nextAllowedTicks, now + (long)(interval.TotalSeconds * timeProvider.TimestampFrequency), next) == next)
        {
            suppressedSinceLast = Interlocked.Exchange(ref suppressed, 0);
            return true;
        }

        Interlocked.Increment(ref suppressed);
        suppressedSinceLast = 0;
        return false;
    }
}
