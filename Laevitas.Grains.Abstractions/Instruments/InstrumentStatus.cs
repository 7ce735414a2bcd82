namespace Laevitas.Grains.Abstractions.Instruments;

/// <summary>Lifecycle of a followed instrument. Values are persisted: append only.</summary>
[GenerateSerializer]
public enum InstrumentStatus
{
    Active = 0,

    /// <summary>Its expiry (08:00 UTC on the expiry date) has passed.</summary>
    Expired = 1,

    /// <summary>The exchange stopped listing it (or the feed stopped following it) before expiry.</summary>
    Delisted = 2,
}
