using Laevitas.DeribitSimulator.Universe;

namespace Laevitas.DeribitSimulator.Ticks;

/// <summary>The price indices and the way instrument tickers are derived from them.</summary>
internal sealed class MarketModel
{
    private readonly Dictionary<string, IndexWalk> _indices = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly int _seed;
    private IndexWalk[] _walks = [];

    public MarketModel(int seed, IReadOnlyDictionary<string, double> indexPrices)
    {
        _seed = seed;
        foreach (var (name, price) in indexPrices)
        {
            IndexFor(name, price);
        }
    }

    public IndexWalk IndexFor(string priceIndex, double startPriceIfNew)
    {
        lock (_lock)
        {
            if (!_indices.TryGetValue(priceIndex, out var walk))
            {
                // ~0.3 %/s of movement at one step per millisecond batch: lively enough to see in a short test.
                walk = new IndexWalk(priceIndex, startPriceIfNew, 0.0002);
                _indices.Add(priceIndex, walk);
                _walks = [.. _walks, walk];
            }

            return walk;
        }
    }

    /// <summary>One step of every index (engine thread only).</summary>
    public void Step(Random random)
    {
        foreach (var walk in Volatile.Read(ref _walks)) walk.Step(random);
    }

    public TickerState CreateTicker(SimInstrument instrument, string? underlyingIndex) =>
        new(instrument, IndexFor(instrument.PriceIndex, instrument.Strike ?? 100), underlyingIndex, new Random(HashCode.Combine(_seed, instrument.InstrumentId)));
}
