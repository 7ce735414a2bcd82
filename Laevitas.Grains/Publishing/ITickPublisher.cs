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

    /// <summary>Counters and buffer levels for the status line and health checks.</summary>
    PublisherStatus GetStatus();
}
