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
    /// being killed: acknowledged by the broker or fsynced in the disk spool (or, past every bound, counted as
    /// dropped or rejected). While the broker is slow or away the ticks go to the spool, so the call completes after
    /// one fsync, not after the outage. It faults when the spool could not be fsynced. An implementation that cannot
    /// tell completes at once.
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
