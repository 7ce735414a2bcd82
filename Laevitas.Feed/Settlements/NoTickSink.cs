using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Grains.Abstractions.Ticks;

namespace Laevitas.Feed.Settlements;

/// <summary>The sink of a session that subscribes to nothing: requests and answers only, so nothing ever reaches it.</summary>
internal sealed class NoTickSink : ITickSink
{
    public static readonly NoTickSink Instance = new();

    public void OnTick(RawTick tick)
    {
    }

    public void OnInstrumentsListed(IReadOnlyList<InstrumentInfo> instruments)
    {
    }

    public void OnInstrumentsDelisted(IReadOnlyList<string> instrumentNames)
    {
    }
}
