namespace Laevitas.Grains.Instruments;

/// <summary>
/// Tracks an <see cref="InstrumentGrain"/>'s outstanding publishes in the order they were handed over: which accepted
/// timestamps are not yet durable (so they are left out of the persisted accept window), and the newest timestamp
/// through which every publish so far has completed (shown in the snapshot). Polled, not called back: the grain reads
/// it when it persists, so no continuation runs outside the grain's turns.
/// </summary>
internal sealed class PublishedWatermark(long? start)
{
    private readonly Queue<(long[] Timestamps, long Newest, Task Durable)> pending = new();

    /// <summary>Newest timestamp of the completed prefix of publishes.</summary>
    public long? Through { get; private set; } = start;

    public int Outstanding => pending.Count;

    /// <summary>One publish call of <paramref name="timestamps"/> (at least one).</summary>
    public void Add(long[] timestamps, Task durable)
    {
        pending.Enqueue((timestamps, timestamps.Max(), durable));
        Advance();
    }

    /// <summary>Raises <see cref="Through"/> to a watermark another activation reached (read from its stored state late).</summary>
    public void Raise(long? through)
    {
        if (through is { } t && (Through is not { } current || t > current))
        {
            Through = t;
        }
    }

    /// <summary>Moves past every completed publish at the front; true when <see cref="Through"/> changed.</summary>
    public bool Advance()
    {
        var changed = false;
        while (pending.TryPeek(out var head) && head.Durable.IsCompleted)
        {
            pending.Dequeue();
            // A late tick can be older than the watermark already reached: the watermark never goes back.
            if (Through is not { } through || head.Newest > through)
            {
                Through = head.Newest;
                changed = true;
            }
        }

        return changed;
    }

    /// <summary>Timestamps accepted but not yet durable, and the oldest of them (null when none are outstanding).</summary>
    public (HashSet<long> Timestamps, long? Oldest) NotDurable()
    {
        var set = new HashSet<long>();
        long? oldest = null;
        foreach (var (timestamps, _, durable) in pending)
        {
            if (durable.IsCompleted)
            {
                continue;
            }

            foreach (var timestamp in timestamps)
            {
                set.Add(timestamp);
                oldest = oldest is { } o ? Math.Min(o, timestamp) : timestamp;
            }
        }

        return (set, oldest);
    }

    /// <summary>Waits (bounded) for the outstanding publishes, then advances past those that completed.</summary>
    public async Task SettleAsync(TimeSpan wait)
    {
        if (pending.Count > 0 && wait > TimeSpan.Zero)
        {
            // Back on the grain's scheduler either way; a timeout or a faulted publish just leaves it outstanding.
            await Task.WhenAll(pending.Select(p => p.Durable)).WaitAsync(wait)
                .ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext | ConfigureAwaitOptions.SuppressThrowing);
        }

        Advance();
    }
}
