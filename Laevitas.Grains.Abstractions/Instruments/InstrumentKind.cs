namespace Laevitas.Grains.Abstractions.Instruments;

/// <summary>What an instrument name says the instrument is. Values are persisted: append only.</summary>
[GenerateSerializer]
public enum InstrumentKind
{
    /// <summary>The name does not follow any shape Deribit uses; only the raw name is kept.</summary>
    Unknown = 0,
    Option = 1,
    Future = 2,
    Perpetual = 3,
    FutureCombo = 4,
    OptionCombo = 5,
    Spot = 6,
}
