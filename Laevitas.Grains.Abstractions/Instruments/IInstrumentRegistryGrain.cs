namespace Laevitas.Grains.Abstractions.Instruments;

/// <summary>
/// The instruments the cluster follows. A single activation (key <see cref="Key"/>), fed on listing and
/// delisting — never per tick — so it stays cheap with thousands of instruments.
/// </summary>
public interface IInstrumentRegistryGrain : IGrainWithStringKey
{
    /// <summary>The one registry's key.</summary>
    public const string Key = "all";

    /// <summary>Adds or refreshes instruments; known ones keep their first listing time.</summary>
    Task RegisterAsync(IReadOnlyList<InstrumentListing> listings);

    /// <summary>Sets the status of known instruments; unknown names are ignored.</summary>
    Task SetStatusAsync(IReadOnlyList<string> instrumentNames, InstrumentStatus status);

    /// <summary>Listed instruments matching <paramref name="query"/>, in name order.</summary>
    Task<IReadOnlyList<InstrumentListing>> ListAsync(InstrumentQuery query);

    Task<int> CountAsync();
}
