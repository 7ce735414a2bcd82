namespace Laevitas.Grains.Abstractions.Instruments;

/// <summary>
/// Instrument metadata as listed by Deribit's <c>public/get_instruments</c>. Only the fields the
/// service uses are kept; names follow the exchange's.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record InstrumentInfo
{
    [Id(0)] public required string InstrumentName { get; init; }
    /// <summary><c>future</c>, <c>option</c>, <c>spot</c>, <c>future_combo</c>, <c>option_combo</c>.</summary>
    [Id(1)] public required string Kind { get; init; }
    [Id(2)] public string? BaseCurrency { get; init; }
    [Id(3)] public string? QuoteCurrency { get; init; }
    [Id(4)] public string? SettlementCurrency { get; init; }
    /// <summary><c>call</c> / <c>put</c> for options.</summary>
    [Id(5)] public string? OptionType { get; init; }
    [Id(6)] public decimal? Strike { get; init; }
    /// <summary>Unix ms; Deribit uses 32503680000000 (year 3000) for perpetuals.</summary>
    [Id(7)] public long? ExpirationTimestamp { get; init; }
    [Id(8)] public long? CreationTimestamp { get; init; }
    [Id(9)] public decimal? TickSize { get; init; }
    [Id(10)] public decimal? ContractSize { get; init; }
    [Id(11)] public decimal? MinTradeAmount { get; init; }
    [Id(12)] public bool IsActive { get; init; } = true;
    [Id(13)] public string? SettlementPeriod { get; init; }
    [Id(14)] public long? InstrumentId { get; init; }
    /// <summary><c>linear</c> or <c>reversed</c>.</summary>
    [Id(15)] public string? InstrumentType { get; init; }
    [Id(16)] public string? PriceIndex { get; init; }
}
