namespace Laevitas.Grains.Instruments;

/// <summary>
/// Which incoming ticks an <see cref="InstrumentGrain"/> accepts: each exchange timestamp once. It remembers the
/// timestamps it accepted over the last <see cref="Horizon"/> of exchange time (at most <see cref="Capacity"/> of
/// them, sorted) and a <see cref="Floor"/> below which it accepts nothing.
/// </summary>
/// <remarks>
/// <para>Why a set and not "newer than the newest": the feeds' copies of one tick do not arrive in order. When a
/// silo dies, the surviving feed's calls to the grains that lived there fail until membership declares the silo
/// dead (10-30 s), and the dispatcher keeps those ticks and sends them again; meanwhile a feed started elsewhere
/// delivers newer ticks to the grain's new activation first. "Newer than the newest" would drop the whole retried
/// backlog as copies — measured, it lost every tick of a third of the market for the detection time. With the set,
/// a tick is a copy only if this very timestamp was accepted.</para>
/// <para>The floor is where the memory ends: the newest timestamp that fell out of the set (older than the horizon
/// behind the newest, or past the capacity), or the persisted floor a reactivated grain starts from. A tick at or
/// below it is <see cref="AcceptDecision.TooOld"/>: counted apart from copies, since it may be a tick that no feed
/// delivered within the horizon. The horizon must therefore exceed the longest a feed's copy can be held up —
/// failure detection plus the dispatcher's retries (docs/clustering.md).</para>
/// <para>Cost: ticks mostly arrive newest-last, so an accept is an append and a copy a binary search; a late tick
/// shifts the newer part of the array. Memory is 8 bytes per remembered tick.</para>
/// </remarks>
internal sealed class AcceptWindow
{
    private readonly long horizonMs;
    private long[] sorted;
    private int start;
    private int count;

    public AcceptWindow(TimeSpan horizon, int capacity, long? floor = null, IReadOnlyList<long>? accepted = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Horizon = horizon;
        Capacity = capacity;
        horizonMs = (long)horizon.TotalMilliseconds;
        Floor = floor;
        sorted = new long[Math.Min(capacity, Math.Max(16, accepted?.Count ?? 0))];
        Remember(accepted ?? []);
    }

    public TimeSpan Horizon { get; }

    public int Capacity { get; }

    /// <summary>Nothing at or below this is accepted (null: no floor yet).</summary>
    public long? Floor { get; private set; }

    /// <summary>Newest timestamp accepted and still remembered, else the floor.</summary>
    public long? Newest => count > 0 ? sorted[start + count - 1] : Floor;

    /// <summary>How many accepted timestamps are remembered.</summary>
    public int Count => count;

    /// <summary>Decides on one tick and, if accepted, remembers it.</summary>
    public AcceptDecision Offer(long timestamp)
    {
        if (Floor is { } floor && timestamp <= floor)
        {
            return AcceptDecision.TooOld;
        }

        AcceptDecision decision;
        if (count == 0 || timestamp > sorted[start + count - 1])
        {
            Append(timestamp);
            decision = AcceptDecision.Newer;
        }
        else
        {
            var index = Array.BinarySearch(sorted, start, count, timestamp);
            if (index >= 0)
            {
                return AcceptDecision.Duplicate;
            }

            InsertAt(~index, timestamp);
            decision = AcceptDecision.Late;
        }

        Evict();
        return decision;
    }

    /// <summary>
    /// Counts <paramref name="accepted"/> as accepted: timestamps another activation accepted and made durable, read
    /// from its stored state only after this window had started empty. Their copies are then dropped as duplicates.
    /// The stored floor is not adopted: below it the window accepts more than it need, which at worst publishes a
    /// copy the writer stores once, never drops a tick.
    /// </summary>
    public void Remember(IReadOnlyList<long> accepted)
    {
        foreach (var timestamp in accepted)
        {
            Offer(timestamp);
        }
    }

    /// <summary>The remembered timestamps, oldest first, except <paramref name="exclude"/>.</summary>
    public List<long> Remembered(IReadOnlySet<long>? exclude = null)
    {
        var result = new List<long>(count);
        for (var i = start; i < start + count; i++)
        {
            if (exclude is null || !exclude.Contains(sorted[i]))
            {
                result.Add(sorted[i]);
            }
        }

        return result;
    }

    private void Append(long timestamp)
    {
        MakeRoom();
        sorted[start + count] = timestamp;
        count++;
    }

    private void InsertAt(int index, long timestamp)
    {
        var offset = index - start;
        MakeRoom();
        index = start + offset;
        Array.Copy(sorted, index, sorted, index + 1, start + count - index);
        sorted[index] = timestamp;
        count++;
    }

    /// <summary>Room for one more at the end: compact to the front, or grow (at most to capacity + 1).</summary>
    private void MakeRoom()
    {
        if (start + count < sorted.Length)
        {
            return;
        }

        if (count + 1 > sorted.Length / 2 && sorted.Length <= Capacity)
        {
            var grown = new long[Math.Min(Math.Max(16, sorted.Length * 2), Capacity + 1)];
            Array.Copy(sorted, start, grown, 0, count);
            sorted = grown;
        }
        else
        {
            Array.Copy(sorted, start, sorted, 0, count);
        }

        start = 0;
    }

    private void Evict()
    {
        if (count == 0)
        {
            return;
        }

        var newest = sorted[start + count - 1];
        while (count > 0 && (count > Capacity || sorted[start] < newest - horizonMs))
        {
            var dropped = sorted[start];
            if (Floor is not { } floor || dropped > floor)
            {
                Floor = dropped;
            }

            start++;
            count--;
        }
    }
}
