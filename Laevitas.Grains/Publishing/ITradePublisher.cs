using Laevitas.Grains.Abstractions.Trades;

namespace Laevitas.Grains.Publishing;

/// <summary>Sends raw trades to the trades topic. One per silo, shared by every instrument grain.</summary>
public interface ITradePublisher
{
    /// <summary>
    /// Hands the trades over in order and completes once each would survive this process being killed, exactly as
    /// <see cref="ITickPublisher.PublishAsync"/> does for ticks (broker acknowledgement or fsynced spool).
    /// </summary>
    Task PublishAsync(IReadOnlyList<RawTrade> trades);

    /// <summary>Counters and buffer levels of the trades topic's producer.</summary>
    PublisherStatus GetStatus();
}
