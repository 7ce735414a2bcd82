namespace Laevitas.Grains.Abstractions.History;

/// <summary>One row of <c>deribit_prices</c>; property names follow the column names (camelCase in JSON).</summary>
[GenerateSerializer, Immutable]
public sealed record PriceRow
{
    [Id(0)] public required string InstrumentName { get; init; }
    /// <summary>Exchange timestamp, Unix ms (the column <c>"timestamp"</c>).</summary>
    [Id(1)] public long Timestamp { get; init; }
    /// <summary><see cref="Timestamp"/> as a UTC time.</summary>
    public DateTimeOffset Time => DateTimeOffset.FromUnixTimeMilliseconds(Timestamp);
    [Id(2)] public DateTimeOffset? ReceivedAt { get; init; }
    [Id(3)] public DateTimeOffset CreatedAt { get; init; }
    [Id(4)] public string? Kind { get; init; }
    [Id(5)] public string? Currency { get; init; }
    [Id(6)] public DateOnly? Maturity { get; init; }
    [Id(7)] public double? Strike { get; init; }
    [Id(8)] public string? Type { get; init; }
    [Id(9)] public string? State { get; init; }
    [Id(10)] public string? UnderlyingIndex { get; init; }
    [Id(11)] public double? UnderlyingPrice { get; init; }
    [Id(12)] public double? IndexPrice { get; init; }
    [Id(13)] public double? EstimatedDeliveryPrice { get; init; }
    [Id(14)] public double? SettlementPrice { get; init; }
    [Id(15)] public double? MarkPrice { get; init; }
    [Id(16)] public double? MarkIv { get; init; }
    [Id(17)] public double? LastPrice { get; init; }
    [Id(18)] public double? MinPrice { get; init; }
    [Id(19)] public double? MaxPrice { get; init; }
    [Id(20)] public double? OpenInterest { get; init; }
    [Id(21)] public double? InterestRate { get; init; }
    [Id(22)] public double? BestBidPrice { get; init; }
    [Id(23)] public double? BestBidAmount { get; init; }
    [Id(24)] public double? BidIv { get; init; }
    [Id(25)] public double? BestAskPrice { get; init; }
    [Id(26)] public double? BestAskAmount { get; init; }
    [Id(27)] public double? AskIv { get; init; }
    [Id(28)] public double? Delta { get; init; }
    [Id(29)] public double? Gamma { get; init; }
    [Id(30)] public double? Vega { get; init; }
    [Id(31)] public double? Theta { get; init; }
    [Id(32)] public double? Rho { get; init; }
    [Id(33)] public double? StatsVolume { get; init; }
    [Id(34)] public double? StatsPriceChange { get; init; }
    [Id(35)] public double? StatsLow { get; init; }
    [Id(36)] public double? StatsHigh { get; init; }
    [Id(37)] public double? DeliveryPrice { get; init; }
    [Id(38)] public double? Funding8h { get; init; }
    [Id(39)] public double? CurrentFunding { get; init; }
    [Id(40)] public double? InterestValue { get; init; }
    [Id(41)] public double? StatsVolumeUsd { get; init; }
    [Id(42)] public double? StatsVolumeNotional { get; init; }
    [Id(43)] public string? ComboState { get; init; }
    [Id(44)] public double? ImpliedBid { get; init; }
    [Id(45)] public double? ImpliedAsk { get; init; }
    /// <summary>Unit of the prices (<c>BTC</c> for inverse options, <c>USD</c> for inverse futures, <c>USDC</c> for linear).</summary>
    [Id(46)] public string? QuoteCurrency { get; init; }
    [Id(47)] public string? SettlementCurrency { get; init; }
    /// <summary>The ticker fields with no column, as JSON object text; null when there were none.</summary>
    [Id(48)] public string? Extra { get; init; }
    /// <summary>Which <see cref="TickerField"/>s the message carried (bit per field); null on rows older than the column.</summary>
    [Id(49)] public long? FieldsPresent { get; init; }
}
