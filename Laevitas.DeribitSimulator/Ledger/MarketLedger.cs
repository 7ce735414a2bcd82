using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using Laevitas.DeribitSimulator.Ticks;

namespace Laevitas.DeribitSimulator.Ledger;

/// <summary>
/// The market side: every tick the simulator generates, per instrument, whether anyone was subscribed to it at that
/// moment or not (when <see cref="SimulatorOptions.RecordEmitted"/> is on). Reconciling storage against it, rather
/// than against what was written to sockets (<see cref="EmissionLedger"/>), is what shows a subscription hole — a
/// moment no feed was subscribed — as missing ticks. An instrument enters the market once some client subscribed to
/// it and stays until it expires: the market a feed follows, not the whole listing.
/// </summary>
/// <remarks>
/// Each tick is kept as its timestamp and a <see cref="TickFingerprint"/> of its <c>data</c> object (8 bytes, not
/// the ~700 of the object), enough to tell whether a stored row holds exactly the values generated.
/// </remarks>
public sealed class MarketLedger
{
    private readonly ConcurrentDictionary<string, InstrumentLedger> instruments = new(StringComparer.Ordinal);
    private readonly ArrayBufferWriter<byte> buffer = new(2048);
    private readonly Utf8JsonWriter writer;
    private long generated;

    internal MarketLedger(bool enabled)
    {
        Enabled = enabled;
        writer = new Utf8JsonWriter(buffer);
    }

    /// <summary>Whether per-instrument timestamps are kept (the total is always counted).</summary>
    public bool Enabled { get; }

    /// <summary>Ticks generated so far, subscribed or not.</summary>
    public long TotalGenerated => Interlocked.Read(ref generated);

    /// <summary>Timestamps generated for <paramref name="instrument"/>, in order.</summary>
    public IReadOnlyList<long> TimestampsFor(string instrument) =>
        instruments.TryGetValue(instrument, out var ledger) ? ledger.Timestamps() : [];

    /// <summary>Every instrument's generated timestamps, keyed by instrument name.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<long>> Snapshot() =>
        instruments.ToDictionary(p => p.Key, p => (IReadOnlyList<long>)p.Value.Timestamps(), StringComparer.Ordinal);

    /// <summary>The <see cref="TickFingerprint"/> of the tick generated for <paramref name="instrument"/> at <paramref name="timestamp"/>.</summary>
    public bool TryGetFingerprint(string instrument, long timestamp, out ulong fingerprint)
    {
        fingerprint = 0;
        return instruments.TryGetValue(instrument, out var ledger) && ledger.TryGetFingerprint(timestamp, out fingerprint);
    }

    /// <summary>Called from the engine's one loop only (the writer is reused).</summary>
    internal void Record(TickerState ticker)
    {
        Interlocked.Increment(ref generated);
        if (!Enabled)
        {
            return;
        }

        buffer.ResetWrittenCount();
        writer.Reset();
        TickerWriter.WriteData(writer, ticker);
        writer.Flush();
        instruments.GetOrAdd(ticker.Instrument.InstrumentName, static _ => new InstrumentLedger())
            .Add(ticker.LastTimestamp, TickFingerprint.Of(buffer.WrittenSpan));
    }

    /// <summary>One instrument's ticks: timestamps strictly increasing (the engine's rule), so a lookup is a binary search.</summary>
    private sealed class InstrumentLedger
    {
        private readonly List<long> timestamps = [];
        private readonly List<ulong> fingerprints = [];

        public void Add(long timestamp, ulong fingerprint)
        {
            lock (timestamps)
            {
                timestamps.Add(timestamp);
                fingerprints.Add(fingerprint);
            }
        }

        public long[] Timestamps()
        {
            lock (timestamps) return timestamps.ToArray();
        }

        public bool TryGetFingerprint(long timestamp, out ulong fingerprint)
        {
            lock (timestamps)
            {
                var index = timestamps.BinarySearch(timestamp);
                fingerprint = index >= 0 ? fingerprints[index] : 0;
                return index >= 0;
            }
        }
    }
}
