using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Grains.Abstractions.Ticks;

namespace Laevitas.Silo.Feed;

/// <summary>
/// Where the Deribit feed hands what it reads. The silo's implementation routes ticks to
/// instrument grains; tests plug in their own to observe the feed alone.
/// </summary>
public interface ITickSink
{
    /// <summary>Called on a connection's receive loop for every ticker notification; must not block.</summary>
    void OnTick(RawTick tick);

    /// <summary>Discovery found these instruments (first listing, or new since the last refresh).</summary>
    void OnInstrumentsListed(IReadOnlyList<InstrumentInfo> instruments);

    /// <summary>These instruments expired or were delisted and their channels were unsubscribed.</summary>
    void OnInstrumentsDelisted(IReadOnlyList<string> instrumentNames);
}
