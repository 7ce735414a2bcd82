using Laevitas.Grains.Abstractions.Instruments;

namespace Laevitas.Grains.Instruments;

[GenerateSerializer]
public sealed class InstrumentRegistryState
{
    [Id(0)] public Dictionary<string, InstrumentListing> Listings { get; set; } = new(StringComparer.Ordinal);
}
