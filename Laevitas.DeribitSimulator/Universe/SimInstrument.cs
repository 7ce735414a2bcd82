namespace Laevitas.DeribitSimulator.Universe;

/// <summary>
/// One listed instrument with the fields <c>public/get_instruments</c> returns. Immutable: a listing change
/// replaces the universe's entry rather than editing it.
/// </summary>
public sealed record SimInstrument
{
    /// <summary>Deribit's far-future expiration for perpetuals (year 3000).</summary>
    public const long PerpetualExpiration = 32_503_680_000_000;

    public required string InstrumentName { get; init; }
    public required InstrumentKind Kind { get; init; }
    public required long InstrumentId { get; init; }
    public required string BaseCurrency { get; init; }
    public required string QuoteCurrency { get; init; }
    public required string SettlementCurrency { get; init; }
    public required string CounterCurrency { get; init; }
    /// <summary><c>linear</c> or <c>reversed</c> (inverse).</summary>
    public required string InstrumentType { get; init; }
    /// <summary>Index the instrument is priced against, e.g. <c>btc_usd</c>, <c>sol_usdc</c>.</summary>
    public required string PriceIndex { get; init; }
    /// <summary><c>perpetual</c>, <c>day</c>, <c>week</c>, <c>month</c>.</summary>
    public required string SettlementPeriod { get; init; }
    public required long CreationTimestamp { get; init; }
    public required long ExpirationTimestamp { get; init; }
    public required double TickSize { get; init; }
    public required double ContractSize { get; init; }
    public required double MinTradeAmount { get; init; }
    public required double MakerCommission { get; init; }
    public required double TakerCommission { get; init; }
    public required double BlockTradeCommission { get; init; }
    public required double BlockTradeMinTradeAmount { get; init; }
    public required double BlockTradeTickSize { get; init; }
    /// <summary>Price thresholds above which a coarser tick applies (options only; empty otherwise).</summary>
    public IReadOnlyList<TickSizeStep> TickSizeSteps { get; init; } = [];
    /// <summary><c>call</c> / <c>put</c>; null for futures.</summary>
    public string? OptionType { get; init; }
    public double? Strike { get; init; }
    /// <summary>Futures only.</summary>
    public int? MaxLeverage { get; init; }
    /// <summary>Futures only: <c>linear</c> or <c>reversed</c>.</summary>
    public string? FutureType { get; init; }
    /// <summary>Futures only.</summary>
    public double? MaxLiquidationCommission { get; init; }

    public bool IsPerpetual => ExpirationTimestamp == PerpetualExpiration;
    public bool IsLinear => InstrumentType == "linear";
    public string KindName => Kind == InstrumentKind.Option ? "option" : "future";
}
