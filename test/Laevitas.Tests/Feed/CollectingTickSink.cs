using System.Collections.Concurrent;
using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Grains.Abstractions.Ticks;
using Laevitas.Feed;

namespace Laevitas.Tests.Feed;

/// <summary>Records everything the feed hands over, per instrument in arrival order (thread-safe).</summary>
public sealed class CollectingTickSink : ITickSink
{
    private readonly ConcurrentDictionary<string, List<RawTick>> _ticks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _listed = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _delisted = new();
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public IReadOnlyCollection<string> Listed => _listed.Keys.ToArray();

    public IReadOnlyCollection<string> Delisted => _delisted.ToArray();

    public void OnTick(RawTick tick)
    {
        var list = _ticks.GetOrAdd(tick.InstrumentName, _ => []);
        lock (list)
        {
            list.Add(tick);
        }

        Interlocked.Increment(ref _count);
    }

    public void OnInstrumentsListed(IReadOnlyList<InstrumentInfo> instruments)
    {
        foreach (var instrument in instruments)
        {
            _listed[instrument.InstrumentName] = 0;
        }
    }

    public void OnInstrumentsDelisted(IReadOnlyList<string> instrumentNames)
    {
        foreach (var name in instrumentNames)
        {
            _delisted.Enqueue(name);
        }
    }

    /// <summary>Copy of the ticks received for each instrument, in arrival order.</summary>
    public Dictionary<string, RawTick[]> Snapshot()
    {
        var copy = new Dictionary<string, RawTick[]>(StringComparer.Ordinal);
        foreach (var (name, list) in _ticks)
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
        if (!_ticks.TryGetValue(instrument, out var list))
        {
            return 0;
        }

        lock (list)
        {
            return list.Count;
        }
    }
}
