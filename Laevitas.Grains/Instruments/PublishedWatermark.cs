namespace Laevitas.Grains.Instruments;

/// <summary>
/// Tracks an <see cref="InstrumentGrain"/>'s outstanding publishes in the order they were handed over, and from them
/// the newest timestamp through which every accepted tick has been published durably — the only watermark it is safe
/// to persist (see <see cref="InstrumentState.PublishedThroughTimestamp"/>). Polled, not called back: the grain reads
/// it when it persists, so no continuation runs outside the grain's turns.
/// </summary>
internal sealed class PublishedWatermark(long? start)
{
    private readonly Queue<(long Newest, Task Durable)> pending = new();

    /// <summary>Newest timestamp of the completed prefix of publishes.</summary>
    public long? Through { get; private set; } = start;

    public int Outstanding => pending.Count;

    /// <summary>One publish call; <paramref name="newest"/> is the newest timestamp among its ticks.</summary>
    public void Add(long newest, Task durable)
    {
        pending.Enqueue((newest, durable));
        Advance();
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
