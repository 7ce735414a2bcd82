namespace Laevitas.Grains.Abstractions.Instruments;

/// <summary>Filter for <see cref="IInstrumentRegistryGrain.ListAsync"/>; null members do not filter.</summary>
[GenerateSerializer, Immutable]
public sealed record InstrumentQuery
{
    /// <summary>Base currency, e.g. <c>BTC</c> (ordinal, case-insensitive).</summary>
    [Id(0)] public string? Currency { get; init; }
    [Id(1)] public InstrumentKind? Kind { get; init; }
    /// <summary>Inclusive lower bound on the expiry date; instruments without expiry are excluded when set.</summary>
    [Id(2)] public DateOnly? ExpiryFrom { get; init; }
    /// <summary>Inclusive upper bound on the expiry date; instruments without expiry are excluded when set.</summary>
    [Id(3)] public DateOnly? ExpiryTo { get; init; }
    /// <summary>Null: every status; otherwise only this one.</summary>
    [Id(4)] public InstrumentStatus? Status { get; init; }
    /// <summary>At most this many results (in name order).</summary>
    [Id(5)] public int Limit { get; init; } = 10_000;

    public static InstrumentQuery All { get; } = new();

    public bool Matches(InstrumentListing listing) =>
        (Currency is null || string.Equals(Currency, listing.Currency, StringComparison.OrdinalIgnoreCase))
        && (Kind is null || Kind == listing.Kind)
        && (ExpiryFrom is null || (listing.Expiry is { } e1 && e1 >= ExpiryFrom))
        && (ExpiryTo is null || (listing.Expiry is { } e2 && e2 <= ExpiryTo))
        && (Status is null || Status == listing.Status);
}
