using Laevitas.Grains.Abstractions.Ticks;

namespace Laevitas.Grains.Publishing;

/// <summary>Sends raw ticks to the tick topic. One per silo, shared by every instrument grain.</summary>
public interface ITickPublisher
{
    /// <summary>
    /// Hands a tick over for publishing and returns at once: never blocks on the broker and never throws because
    /// of it. Ticks of one instrument handed over one after another reach the topic in that order.
    /// </summary>
    void Publish(RawTick tick);

    /// <summary>
    /// Hands the ticks over in order, like <see cref="Publish"/>, and completes once each would survive this process
    /// being killed: acknowledged by the broker or written to the disk spool (or, past every bound, counted as
    /// dropped). While the broker is slow or away it completes at once instead: the ticks then wait in the
    /// producer's memory, then the spool, as with <see cref="Publish"/>. An implementation that cannot tell
    /// completes at once.
    /// </summary>
    Task PublishAsync(IReadOnlyList<RawTick> ticks)
    {
        ArgumentNullException.ThrowIfNull(ticks);
        foreach (var tick in ticks)
        {
            Publish(tick);
        }

        return Task.CompletedTask;
    }

    /// <summary>Counters and buffer levels for the status line and health checks.</summary>
    PublisherStatus GetStatus();
}
