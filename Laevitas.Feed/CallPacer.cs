namespace Laevitas.Feed;

/// <summary>
/// Spaces calls evenly at a fixed rate across every caller (all connections share one pacer), because the
/// exchange's subscribe limit is per account/IP, not per connection: a burst of reconnects must not exceed it.
/// </summary>
internal sealed class CallPacer
{
    private readonly TimeProvider _time;
    private readonly long _spacing;
    private readonly Lock _lock = new();
    private long _nextSlot;

    public CallPacer(double callsPerSecond, TimeProvider time)
    {
        _time = time;
        _spacing = (long)(time.TimestampFrequency / callsPerSecond);
    }

    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        long now;
        long slot;
        lock (_lock)
        {
            now = _time.GetTimestamp();
            slot = Math.Max(now, _nextSlot);
            _nextSlot = slot + _spacing;
        }

        if (slot > now)
        {
            await Task.Delay(_time.GetElapsedTime(now, slot), _time, cancellationToken).ConfigureAwait(false);
        }
    }
}
