using System.Diagnostics.Metrics;
using Laevitas.Diagnostics;

namespace Laevitas.Grains.Instruments;

/// <summary>
/// This silo's count of instrument grains that could not use their stored state as usual: activations that started
/// without it (the read failed or timed out, see <see cref="InstrumentGrainOptions.StateReadTimeout"/>) and writes
/// refused because another activation had written the row. Exported as
/// <see cref="LaevitasMetrics.InstrumentStateReadsDeferred"/> and <see cref="LaevitasMetrics.InstrumentStateConflicts"/>.
/// </summary>
public sealed class InstrumentStateStatus
{
    private long readsDeferred;
    private long conflicts;

    public InstrumentStateStatus(IMeterFactory meterFactory)
    {
        var meter = new LaevitasMeter(meterFactory);
        meter.ObserveCounter(LaevitasMetrics.InstrumentStateReadsDeferred, () => Interlocked.Read(ref readsDeferred));
        meter.ObserveCounter(LaevitasMetrics.InstrumentStateConflicts, () => Interlocked.Read(ref conflicts));
    }

    /// <summary>Since this silo started.</summary>
    public long ReadsDeferred => Interlocked.Read(ref readsDeferred);

    /// <summary>Since this silo started.</summary>
    public long Conflicts => Interlocked.Read(ref conflicts);

    internal void AddReadDeferred() => Interlocked.Increment(ref readsDeferred);

    internal void AddConflict() => Interlocked.Increment(ref conflicts);
}
