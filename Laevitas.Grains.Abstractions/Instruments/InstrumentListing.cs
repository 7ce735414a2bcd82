namespace Laevitas.Grains.Abstractions.Instruments;

/// <summary>One followed instrument as the registry lists it: enough to filter without activating its grain.</summary>
[GenerateSerializer, Immutable]
public sealed record InstrumentListing
{
    [Id(0)] public required string InstrumentName { get; init; }
    [Id(1)] public InstrumentKind Kind { get; init; }
    [Id(2)] public string? Currency { get; init; }
    [Id(3)] public DateOnly? Expiry { get; init; }
    [Id(4)] public decimal? Strike { get; init; }
    [Id(5)] public char? OptionType { get; init; }
    [Id(6)] public InstrumentStatus Status { get; init; }
    /// <summary>When the registry first heard of it, Unix ms.</summary>
    [Id(7)] public long ListedAtMs { get; init; }

    /// <summary>Builds a listing from the exchange metadata, with the parts parsed from the name.</summary>
    public static InstrumentListing From(InstrumentInfo info, long listedAtMs)
    {
        var parsed = InstrumentNameParser.Parse(info.InstrumentName);
        return new InstrumentListing
        {
            InstrumentName = info.InstrumentName,
            Kind = parsed.Kind,
            Currency = parsed.Currency ?? info.BaseCurrency,
            Expiry = parsed.Expiry,
            Strike = parsed.Strike,
            OptionType = parsed.OptionType,
            Status = info.IsActive ? InstrumentStatus.Active : InstrumentStatus.Delisted,
            ListedAtMs = listedAtMs,
        };
    }
}
