using Laevitas.DeribitSimulator.Universe;

namespace Laevitas.DeribitSimulator.Ticks;

/// <summary>The price indices and the way instrument tickers are derived from them.</summary>
internal sealed class MarketModel
{
    private readonly Dictionary<string, IndexWalk> indices = new(StringComparer.Ordinal);
    private readonly Lock gate = new();
    private readonly int seed;
    private readonly TimeProvider clock;
    private IndexWalk[] walks = [];

    public MarketModel(int seed, IReadOnlyDictionary<string, double> indexPrices, TimeProvider? clock = null)
    {
        this.seed = seed;
        this.clock = clock ?? TimeProvider.System;
        foreach (var (name, price) in indexPrices)
        {
            IndexFor(name, price);
        }
    }

    public IndexWalk IndexFor(string priceIndex, double startPriceIfNew)
    {
        lock (gate)
        {
            if (!indices.TryGetValue(priceIndex, out var walk))
            {
                // ~0.3 %/s of movement at one step per millisecond batch: lively enough to see in a short test.
                walk = new IndexWalk(priceIndex, startPriceIfNew, 0.0002);
                indices.Add(priceIndex, walk);
                walks = [.. walks, walk];
            }

            return walk;
        }
    }

    /// <summary>The walk of a known index, or null.</summary>
    public IndexWalk? Find(string priceIndex)
    {
        lock (gate)
        {
            return indices.GetValueOrDefault(priceIndex);
        }
    }

    /// <summary>One step of every index (engine thread only).</summary>
    public void Step(Random random)
    {
        foreach (var walk in Volatile.Read(ref walks)) walk.Step(random);
    }

    public TickerState CreateTicker(SimInstrument instrument, string? underlyingIndex) =>
        new(instrument, IndexFor(instrument.PriceIndex, instrument.Strike ?? 100), underlyingIndex, new Random(HashCode.Combine(seed, instrument.InstrumentId)),
            clock.GetUtcNow().ToUnixTimeMilliseconds());
}
