using System.Diagnostics.Metrics;
using Laevitas.Diagnostics;

namespace Laevitas.Grains.Instruments;

/// <summary>
/// This silo's count of ticks the instrument grains did not accept because one at least as new had been: with
/// redundant feeds every tick arrives once per running feed, so this grows by about (feeds - 1) × ticks. Counted,
/// never logged per tick. Exported as <see cref="LaevitasMetrics.InstrumentDuplicatesDropped"/> (and
/// <see cref="LaevitasMetrics.InstrumentLateAccepted"/>) and in <c>/api/stats</c>.
/// </summary>
public sealed class InstrumentAcceptStatus
{
    private long duplicatesDropped;
    private long lateAccepted;
    private long tooOld;
    private long tradeDuplicatesDropped;

    public InstrumentAcceptStatus(IMeterFactory meterFactory)
    {
        var meter = new LaevitasMeter(meterFactory);
        meter.ObserveCounter(LaevitasMetrics.InstrumentDuplicatesDropped, () => Interlocked.Read(ref duplicatesDropped));
        meter.ObserveCounter(LaevitasMetrics.InstrumentLateAccepted, () => Interlocked.Read(ref lateAccepted));
        meter.ObserveCounter(LaevitasMetrics.InstrumentTooOld, () => Interlocked.Read(ref tooOld));
        meter.ObserveCounter(LaevitasMetrics.InstrumentTradeDuplicatesDropped, () => Interlocked.Read(ref tradeDuplicatesDropped));
    }

    /// <summary>Since this silo started: trades not published because the grain had accepted the same one.</summary>
    public long TradeDuplicatesDropped => Interlocked.Read(ref tradeDuplicatesDropped);

    internal void AddTradeDuplicates(int count) => Interlocked.Add(ref tradeDuplicatesDropped, count);

    /// <summary>Since this silo started.</summary>
    public long DuplicatesDropped => Interlocked.Read(ref duplicatesDropped);

    /// <summary>Since this silo started.</summary>
    public long LateAccepted => Interlocked.Read(ref lateAccepted);

    internal void AddDuplicates(int count) => Interlocked.Add(ref duplicatesDropped, count);

    internal void AddLate(int count) => Interlocked.Add(ref lateAccepted, count);

    /// <summary>Since this silo started: ticks older than the accept horizon (see <see cref="AcceptDecision.TooOld"/>).</summary>
    public long TooOld => Interlocked.Read(ref tooOld);

    internal void AddTooOld(int count) => Interlocked.Add(ref tooOld, count);
}
