using System.Diagnostics.Metrics;

namespace Laevitas.Grains.Instruments;

/// <summary>
/// This silo's count of ticks the instrument grains did not accept because one at least as new had been: with
/// redundant feeds every tick arrives once per running feed, so this grows by about (feeds - 1) × ticks. Counted,
/// never logged per tick. Exported as <c>laevitas.instrument.duplicates_dropped</c> on the "Laevitas" meter and in
/// <c>/api/stats</c>.
/// </summary>
public sealed class InstrumentAcceptStatus
{
    public const string DuplicatesDroppedMetric = "laevitas.instrument.duplicates_dropped";
    public const string LateAcceptedMetric = "laevitas.instrument.late_accepted";

    private long duplicatesDropped;
    private long lateAccepted;

    public InstrumentAcceptStatus(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create("Laevitas");
        meter.CreateObservableCounter(
            DuplicatesDroppedMetric,
            () => Interlocked.Read(ref duplicatesDropped),
            unit: "{tick}",
            description: "Ticks an instrument grain did not publish because it had accepted one at least as new (another feed's copy).");
        meter.CreateObservableCounter(
            LateAcceptedMetric,
            () => Interlocked.Read(ref lateAccepted),
            unit: "{tick}",
            description: "Ticks older than the newest accepted, but never seen before, published anyway (one feed was behind the other).");
    }

    /// <summary>Since this silo started.</summary>
    public long DuplicatesDropped => Interlocked.Read(ref duplicatesDropped);

    /// <summary>Since this silo started.</summary>
    public long LateAccepted => Interlocked.Read(ref lateAccepted);

    internal void AddDuplicates(int count) => Interlocked.Add(ref duplicatesDropped, count);

    internal void AddLate(int count) => Interlocked.Add(ref lateAccepted, count);
}
