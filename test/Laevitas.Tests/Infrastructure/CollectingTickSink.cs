using System.Collections.Concurrent;
using Laevitas.Grains.Abstractions.Indexes;
using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Grains.Abstractions.Ticks;
using Laevitas.Grains.Abstractions.Trades;
using Laevitas.Feed;

namespace Laevitas.Tests.Infrastructure;

/// <summary>Records everything the feed hands over, per instrument in arrival order (thread-safe).</summary>
public sealed class CollectingTickSink : ITickSink
{
    private readonly ConcurrentDictionary<string, List<RawTick>> ticks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> listed = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> delisted = new();
    private readonly ConcurrentQueue<RawTrade> trades = new();
    private readonly ConcurrentQueue<IndexValue> indexValues = new();
    private long count;

    /// <summary>Trades received, in arrival order.</summary>
    public IReadOnlyList<RawTrade> Trades => trades.ToArray();

    public void OnTrade(RawTrade trade) => trades.Enqueue(trade);

    /// <summary>Index channel values received, in arrival order.</summary>
    public IReadOnlyList<IndexValue> IndexValues => indexValues.ToArray();

    public void OnIndexValue(IndexValue value) => indexValues.Enqueue(value);

    public long Count => Interlocked.Read(ref count);

    public IReadOnlyCollection<string> Listed => listed.Keys.ToArray();

    public IReadOnlyCollection<string> Delisted => delisted.ToArray();

    public void OnTick(RawTick tick)
    {
        var list = ticks.GetOrAdd(tick.InstrumentName, _ => []);
        lock (list)
        {
            list.Add(tick);
        }

        Interlocked.Increment(ref count);
    }

    public void OnInstrumentsListed(IReadOnlyList<InstrumentInfo> instruments)
    {
        foreach (var instrument in instruments)
        {
            listed[instrument.InstrumentName] = 0;
        }
    }

    public void OnInstrumentsDelisted(IReadOnlyList<string> instrumentNames)
    {
        foreach (var name in instrumentNames)
        {
            delisted.Enqueue(name);
        }
    }

    /// <summary>Copy of the ticks received for each instrument, in arrival order.</summary>
    public Dictionary<string, RawTick[]> Snapshot()
    {
        var copy = new Dictionary<string, RawTick[]>(StringComparer.Ordinal);
        foreach (var (name, list) in ticks)
        {
            lock (list)
            {
                copy[name] = list.ToArray();
            }
        }

        return copy;
    }

    public int CountFor(string instrument)
    {
        if (!ticks.TryGetValue(instrument, out var list))
        {
            return 0;
        }

        lock (list)
        {
            return list.Count;
        }
    }
}
