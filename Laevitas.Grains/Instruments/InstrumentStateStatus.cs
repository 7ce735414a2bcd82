using System.Diagnostics.Metrics;
using Laevitas.Diagnostics;

namespace Laevitas.Grains.Instruments;

/// <summary>
/// This silo's count of instrument grains that could not use their stored state as usual: activations that started
/// without it (the read failed or timed out, see <see cref="InstrumentGrainOptions.StateReadTimeout"/>), writes
/// refused because another activation had written the row, and writes that failed (the database away) or went on past
/// <see cref="InstrumentGrainOptions.StateWriteTimeout"/> (the database not answering). Exported as
/// <see cref="LaevitasMetrics.InstrumentStateReadsDeferred"/>, <see cref="LaevitasMetrics.InstrumentStateConflicts"/> and
/// <see cref="LaevitasMetrics.InstrumentStateWriteFailures"/>.
/// </summary>
public sealed class InstrumentStateStatus
{
    // One report of failed writes, and one of deferred reads, per this long for the whole silo: with the database
    // away every instrument's timer fails its write (thousands of grains each period) and every activation its read,
    // and a warning with a stack trace for each buried the log.
    internal static readonly TimeSpan FailureLogInterval = TimeSpan.FromSeconds(10);

    private readonly LogThrottle writeFailureLog;
    private readonly LogThrottle readDeferredLog;
    private long readsDeferred;
    private long conflicts;
    private long writeFailures;

    public InstrumentStateStatus(IMeterFactory meterFactory, TimeProvider? timeProvider = null)
    {
        var time = timeProvider ?? TimeProvider.System;
        writeFailureLog = new LogThrottle(FailureLogInterval, time);
        readDeferredLog = new LogThrottle(FailureLogInterval, time);
        var meter = new LaevitasMeter(meterFactory);
        meter.ObserveCounter(LaevitasMetrics.InstrumentStateReadsDeferred, () => Interlocked.Read(ref readsDeferred));
        meter.ObserveCounter(LaevitasMetrics.InstrumentStateConflicts, () => Interlocked.Read(ref conflicts));
        meter.ObserveCounter(LaevitasMetrics.InstrumentStateWriteFailures, () => Interlocked.Read(ref writeFailures));
    }

    /// <summary>Since this silo started.</summary>
    public long ReadsDeferred => Interlocked.Read(ref readsDeferred);

    /// <summary>Since this silo started.</summary>
    public long Conflicts => Interlocked.Read(ref conflicts);

    /// <summary>Since this silo started.</summary>
    public long WriteFailures => Interlocked.Read(ref writeFailures);

    /// <summary>Counts a deferred read; true when this one is to be logged, as <see cref="AddWriteFailure"/>.</summary>
    internal bool AddReadDeferred(out long notLoggedSinceLast)
    {
        Interlocked.Increment(ref readsDeferred);
        return readDeferredLog.ShouldLog(out notLoggedSinceLast);
    }

    /// <summary>
    /// Counts a failed write; true when this one is to be logged (the first in <see cref="FailureLogInterval"/> on
    /// this silo), with the failures since the last one logged.
    /// </summary>
    internal bool AddWriteFailure(out long notLoggedSinceLast)
    {
        Interlocked.Increment(ref writeFailures);
        return writeFailureLog.ShouldLog(out notLoggedSinceLast);
    }

    internal void AddConflict() => Interlocked.Increment(ref conflicts);
}
