namespace Laevitas.Grains.Instruments;

/// <summary>
/// Which incoming ticks an <see cref="InstrumentGrain"/> accepts. A tick newer than the newest accepted is accepted.
/// One that is not newer is a copy another feed already delivered — unless it falls inside the span of the last
/// <see cref="Capacity"/> accepted timestamps and is not one of them: then a feed that was behind delivered a tick the
/// faster feed never had (it was reconnecting), and dropping it would leave a hole, so it is accepted as late.
/// </summary>
/// <remarks>
/// The recent timestamps live in memory only. A reactivated grain starts from its persisted watermark alone (see
/// <see cref="InstrumentState.PublishedThroughTimestamp"/>), so right after reactivation only strictly newer ticks
/// are accepted. Capacity 32 covers about 3 s of a 100 ms ticker: far more than two feeds reading the same exchange
/// drift apart, and a linear scan of 32 longs per tick costs nothing next to the grain call.
/// </remarks>
internal sealed class AcceptWindow
{
    public const int Capacity = 32;

    private readonly long[] recent = new long[Capacity];
    private int count;
    private int next;

    public AcceptWindow(long? newest)
    {
        Newest = newest;
    }

    /// <summary>Newest timestamp accepted (or the watermark the grain started from).</summary>
    public long? Newest { get; private set; }

    /// <summary>Decides on one tick and, if accepted, remembers it.</summary>
    public AcceptDecision Offer(long timestamp)
    {
        if (Newest is not { } newest || timestamp > newest)
        {
            Remember(timestamp);
            Newest = timestamp;
            return AcceptDecision.Newer;
        }

        if (count == 0 || timestamp < Oldest() || Contains(timestamp))
        {
            return AcceptDecision.Duplicate;
        }

        Remember(timestamp);
        return AcceptDecision.Late;
    }

    private void Remember(long timestamp)
    {
        recent[next] = timestamp;
        next = (next + 1) % Capacity;
        if (count < Capacity)
        {
            count++;
        }
    }

    private long Oldest()
    {
        var oldest = long.MaxValue;
        for (var i = 0; i < count; i++)
        {
            oldest = Math.Min(oldest, recent[i]);
        }

        return oldest;
    }

    private bool Contains(long timestamp)
    {
        for (var i = 0; i < count; i++)
        {
            if (recent[i] == timestamp)
            {
                return true;
            }
        }

        return false;
    }
}
