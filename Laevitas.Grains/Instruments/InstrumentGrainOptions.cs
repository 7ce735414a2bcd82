namespace Laevitas.Grains.Instruments;

/// <summary>Configuration section <c>Instruments</c>.</summary>
public sealed class InstrumentGrainOptions
{
    public const string SectionName = "Instruments";

    /// <summary>
    /// How often an instrument grain writes its state when something changed. Thousands of grains share one
    /// database, so this is what bounds the write rate: 5,000 instruments / 60 s ≈ 83 writes/s. Each grain's
    /// first write is at a random point of the first interval so the writes spread out.
    /// </summary>
    public TimeSpan PersistInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long a batch of ticks may wait for the broker's acknowledgement before the grain answers the feed's
    /// dispatcher anyway (normally milliseconds), when that dispatcher runs on another silo; one on the grain's own
    /// silo is answered at once, since it would not survive the silo either. Answering only after the
    /// acknowledgement is what lets a silo be killed without losing the ticks its grains had taken; zero answers at
    /// once (ticks still in the producer's memory are then lost with the process).
    /// </summary>
    public TimeSpan DeliveryWait { get; set; } = TimeSpan.FromSeconds(2);
}
