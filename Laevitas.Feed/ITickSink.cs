using Laevitas.Grains.Abstractions.Indexes;
using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Grains.Abstractions.Ticks;
using Laevitas.Grains.Abstractions.Trades;

namespace Laevitas.Feed;

/// <summary>
/// Where the Deribit feed hands what it reads. The silo's implementation routes ticks to
/// instrument grains; tests plug in their own to observe the feed alone.
/// </summary>
public interface ITickSink
{
    /// <summary>Called on a connection's receive loop for every ticker notification; must not block.</summary>
    void OnTick(RawTick tick);

    /// <summary>
    /// Called on a connection's receive loop for every trade of a <c>trades.*</c> notification (one call per element of
    /// its <c>data</c> array, in order); must not block. A sink that does not take trades (tests of the ticker path)
    /// ignores them.
    /// </summary>
    void OnTrade(RawTrade trade)
    {
    }

    /// <summary>
    /// Called on a connection's receive loop for every value of an index channel (price index, DVOL, estimated expiration
    /// price); must not block. A sink that does not take them (tests of the ticker path) ignores them.
    /// </summary>
    void OnIndexValue(IndexValue value)
    {
    }

    /// <summary>
    /// Called on a connection's receive loop after a tick, before the next frame is read. A sink whose backlog is
    /// full completes it once there is room again, so the connection is not read meanwhile and the exchange holds
    /// the next ticks (TCP back-pressure) instead of the sink dropping them; it completes at once when there is
    /// room, or when the feed is already <paramref name="lag"/> behind the exchange by as much as the sink allows.
    /// </summary>
    ValueTask WaitForRoomAsync(TimeSpan lag, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Discovery found these instruments (first listing, or new since the last refresh).</summary>
    void OnInstrumentsListed(IReadOnlyList<InstrumentInfo> instruments);

    /// <summary>These instruments expired or were delisted and their channels were unsubscribed.</summary>
    void OnInstrumentsDelisted(IReadOnlyList<string> instrumentNames);
}
