namespace Laevitas.DeribitSimulator.Universe;

/// <summary>
/// The listed instruments, and those that expired during the run (what <c>get_instruments</c> with
/// <c>expired=true</c> returns). Thread-safe; readers get snapshots.
/// </summary>
public sealed class InstrumentUniverse
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, SimInstrument> active = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SimInstrument> expired = new(StringComparer.Ordinal);
    private SimInstrument[] activeSnapshot = [];
    private SimInstrument[] expiredSnapshot = [];
    private long nextInstrumentId;

    internal InstrumentUniverse(IEnumerable<SimInstrument> instruments, long nextInstrumentId)
    {
        foreach (var instrument in instruments) active.Add(instrument.InstrumentName, instrument);
        this.nextInstrumentId = nextInstrumentId;
        Publish();
    }

    /// <summary>Instruments currently listed.</summary>
    public IReadOnlyList<SimInstrument> Active => Volatile.Read(ref activeSnapshot);

    /// <summary>Instruments expired (or delisted) during this run.</summary>
    public IReadOnlyList<SimInstrument> Expired => Volatile.Read(ref expiredSnapshot);

    public bool TryGetActive(string instrumentName, out SimInstrument instrument)
    {
        lock (gate) return active.TryGetValue(instrumentName, out instrument!);
    }

    public bool IsActive(string instrumentName)
    {
        lock (gate) return active.ContainsKey(instrumentName);
    }

    internal long NextInstrumentId()
    {
        lock (gate) return nextInstrumentId++;
    }

    internal bool TryAdd(SimInstrument instrument)
    {
        lock (gate)
        {
            if (active.ContainsKey(instrument.InstrumentName)) return false;
            expired.Remove(instrument.InstrumentName);
            active.Add(instrument.InstrumentName, instrument);
            Publish();
            return true;
        }
    }

    internal bool TryExpire(string instrumentName, out SimInstrument instrument)
    {
        lock (gate)
        {
            if (!active.Remove(instrumentName, out instrument!)) return false;
            expired[instrumentName] = instrument;
            Publish();
            return true;
        }
    }

    private void Publish()
    {
        Volatile.Write(ref activeSnapshot, active.Values.ToArray());
        Volatile.Write(ref expiredSnapshot, expired.Values.ToArray());
    }
}
