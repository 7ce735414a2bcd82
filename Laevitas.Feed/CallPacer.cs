namespace Laevitas.Feed;

/// <summary>
/// Spaces calls at a fixed rate across every caller (all connections share one pacer), because the exchange's
/// subscribe limit is per account/IP, not per connection: a burst of reconnects must not exceed it.
/// </summary>
/// <remarks>
/// The spacing is kept between the moments callers are actually let go, one at a time. Handing out time slots in
/// advance instead lets calls bunch: when a stalled machine fires several slots' timers late, they all go at once,
/// and the exchange (whose bucket holds only a few calls) ends the session with 10028.
/// </remarks>
internal sealed class CallPacer
{
    private readonly TimeProvider time;
    private readonly long spacing;
    private readonly SemaphoreSlim turn = new(1, 1);
    private long? lastRelease;

    public CallPacer(double callsPerSecond, TimeProvider time)
    {
        this.time = time;
        spacing = (long)(time.TimestampFrequency / callsPerSecond);
    }

    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        await turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (lastRelease is { } last)
            {
                var now = time.GetTimestamp();
                var due = last + spacing;
                if (due > now) await Task.Delay(time.GetElapsedTime(now, due), time, cancellationToken).ConfigureAwait(false);
            }

            // Stamped after the wait, so a timer that fired late pushes the next caller back instead of bunching.
            lastRelease = time.GetTimestamp();
        }
        finally
        {
            turn.Release();
        }
    }
}
