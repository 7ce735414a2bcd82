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
}
