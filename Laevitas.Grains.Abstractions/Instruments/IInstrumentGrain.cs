using Laevitas.Grains.Abstractions.Ticks;
using Laevitas.Grains.Abstractions.Trades;

namespace Laevitas.Grains.Abstractions.Instruments;

/// <summary>
/// One Deribit instrument, keyed by its exchange name (<c>BTC-27DEC24-100000-C</c>). Takes the instrument's
/// ticks from the feed, publishes them to Kafka and keeps the latest one plus counters.
/// </summary>
public interface IInstrumentGrain : IGrainWithStringKey
{
    /// <summary>
    /// Takes a batch of this instrument's ticks, oldest first, and hands them to the publisher in that order.
    /// Awaited rather than one-way: the dispatcher keeps at most one batch in flight per instrument, which is what
    /// guarantees per-instrument order (Orleans does not order one-way messages) and lets it retry a failed batch;
    /// the response costs one message per batch, not per tick. It returns once the broker has the ticks (or the silo's
    /// disk spool does), for at most <c>Instruments:DeliveryWait</c>: a silo killed afterwards loses none of them.
    /// </summary>
    Task ReceiveTicksAsync(TickBatch batch);

    /// <summary>
    /// Takes a batch of this instrument's trades: each trade is published once to the trades topic however many feeds
    /// deliver it (deduplicated on <c>trade_seq</c>), and the newest becomes part of the snapshot. Same delivery rule
    /// as <see cref="ReceiveTicksAsync"/>: a dispatcher on another silo is answered once the trades are durable.
    /// </summary>
    Task ReceiveTradesAsync(TradeBatch batch);

    Task<InstrumentSnapshot> GetSnapshotAsync();

    /// <summary>Records the exchange's listing of the instrument (first listing or a refresh).</summary>
    Task UpdateInfoAsync(InstrumentInfo info);

    /// <summary>Marks the instrument delisted, persists that, and lets the grain deactivate.</summary>
    Task MarkDelistedAsync(long delistedAtMs);
}
