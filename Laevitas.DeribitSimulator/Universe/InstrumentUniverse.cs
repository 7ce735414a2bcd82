namespace Laevitas.DeribitSimulator.Universe;

/// <summary>
/// The listed instruments, and those that expired during the run (what <c>get_instruments</c> with
/// <c>expired=true</c> returns). Thread-safe; readers get snapshots.
/// </summary>
public sealed class InstrumentUniverse
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, SimInstrument> _active = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SimInstrument> _expired = new(StringComparer.Ordinal);
    private SimInstrument[] _activeSnapshot = [];
    private SimInstrument[] _expiredSnapshot = [];
    private long _nextInstrumentId;

    internal InstrumentUniverse(IEnumerable<SimInstrument> instruments, long nextInstrumentId)
    {
        foreach (var instrument in instruments) _active.Add(instrument.InstrumentName, instrument);
        _nextInstrumentId = nextInstrumentId;
        Publish();
    }

    /// <summary>Instruments currently listed.</summary>
    public IReadOnlyList<SimInstrument> Active => Volatile.Read(ref _activeSnapshot);

    /// <summary>Instruments expired (or delisted) during this run.</summary>
    public IReadOnlyList<SimInstrument> Expired => Volatile.Read(ref _expiredSnapshot);

    public bool TryGetActive(string instrumentName, out SimInstrument instrument)
    {
        lock (_lock) return _active.TryGetValue(instrumentName, out instrument!);
    }

    public bool IsActive(string instrumentName)
    {
        lock (_lock) return _active.ContainsKey(instrumentName);
    }

    internal long NextInstrumentId()
    {
        lock (_lock) return _nextInstrumentId++;
    }

    internal bool TryAdd(SimInstrument instrument)
    {
        lock (_lock)
        {
            if (_active.ContainsKey(instrument.InstrumentName)) return false;
            _expired.Remove(instrument.InstrumentName);
            _active.Add(instrument.InstrumentName, instrument);
            Publish();
            return true;
        }
    }

    internal bool TryExpire(string instrumentName, out SimInstrument instrument)
    {
        lock (_lock)
        {
            if (!_active.Remove(instrumentName, out instrument!)) return false;
            _expired[instrumentName] = instrument;
            Publish();
            return true;
        }
    }

    private void Publish()
    {
        Volatile.Write(ref _activeSnapshot, _active.Values.ToArray());
        Volatile.Write(ref _expiredSnapshot, _expired.Values.ToArray());
    }
}
