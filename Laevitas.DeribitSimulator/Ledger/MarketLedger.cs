using System.Collections.Concurrent;

namespace Laevitas.DeribitSimulator.Ledger;

/// <summary>
/// The market side: every tick the simulator generates, per instrument, whether anyone was subscribed to it at that
/// moment or not (when <see cref="SimulatorOptions.RecordEmitted"/> is on). Reconciling storage against it, rather
/// than against what was written to sockets (<see cref="EmissionLedger"/>), is what shows a subscription hole — a
/// moment no feed was subscribed — as missing ticks. An instrument enters the market once some client subscribed to
/// it and stays until it expires: the market a feed follows, not the whole listing.
/// </summary>
public sealed class MarketLedger
{
    private readonly ConcurrentDictionary<string, ChannelLedger> _instruments = new(StringComparer.Ordinal);
    private long _generated;

    internal MarketLedger(bool enabled) => Enabled = enabled;

    /// <summary>Whether per-instrument timestamps are kept (the total is always counted).</summary>
    public bool Enabled { get; }

    /// <summary>Ticks generated so far, subscribed or not.</summary>
    public long TotalGenerated => Interlocked.Read(ref _generated);

    /// <summary>Timestamps generated for <paramref name="instrument"/>, in order.</summary>
    public IReadOnlyList<long> TimestampsFor(string instrument) =>
        _instruments.TryGetValue(instrument, out var ledger) ? ledger.Snapshot() : [];

    /// <summary>Every instrument's generated timestamps, keyed by instrument name.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<long>> Snapshot() =>
        _instruments.ToDictionary(p => p.Key, p => (IReadOnlyList<long>)p.Value.Snapshot(), StringComparer.Ordinal);

    internal void Record(string instrument, long timestamp)
    {
        Interlocked.Increment(ref _generated);
        if (Enabled)
        {
            _instruments.GetOrAdd(instrument, static i => new ChannelLedger(i)).Add(timestamp);
        }
    }
}
