namespace Laevitas.Grains.Abstractions.Trades;

/// <summary>One row of <c>deribit_trades</c>; property names follow the column names (camelCase in JSON).</summary>
[GenerateSerializer, Immutable]
public sealed record TradeRow
{
    /// <summary>The currency the trade settles in (<c>BTC</c>, <c>USDC</c>): with <see cref="TradeId"/>, the key.</summary>
    [Id(0)] public required string Currency { get; init; }
    [Id(1)] public required string TradeId { get; init; }
    [Id(2)] public required string InstrumentName { get; init; }
    /// <summary>Exchange timestamp, Unix ms.</summary>
    [Id(3)] public long Timestamp { get; init; }
    public DateTimeOffset Time => DateTimeOffset.FromUnixTimeMilliseconds(Timestamp);
    [Id(4)] public long? TradeSeq { get; init; }
    [Id(5)] public string? Kind { get; init; }
    [Id(6)] public double? Price { get; init; }
    [Id(7)] public double? Amount { get; init; }
    [Id(8)] public double? Contracts { get; init; }
    /// <summary><c>buy</c> or <c>sell</c>: the taker's side.</summary>
    [Id(9)] public string? Direction { get; init; }
    [Id(10)] public double? Iv { get; init; }
    [Id(11)] public double? IndexPrice { get; init; }
    [Id(12)] public double? MarkPrice { get; init; }
    /// <summary>0 plus tick, 1 zero-plus tick, 2 minus tick, 3 zero-minus tick.</summary>
    [Id(13)] public int? TickDirection { get; init; }
    /// <summary><c>M</c> (maker side liquidated), <c>T</c> (taker), <c>MT</c> (both); null when no liquidation.</summary>
    [Id(14)] public string? Liquidation { get; init; }
    [Id(15)] public string? BlockTradeId { get; init; }
    [Id(16)] public int? BlockTradeLegCount { get; init; }
    [Id(17)] public string? ComboId { get; init; }
    [Id(18)] public string? ComboTradeId { get; init; }
    /// <summary>Fields with no column (e.g. a combo trade's <c>legs</c>), as JSON object text; null when none.</summary>
    [Id(19)] public string? Extra { get; init; }
    /// <summary>Which <see cref="TradeField"/>s the trade carried, one bit each.</summary>
    [Id(20)] public long FieldsPresent { get; init; }
    [Id(21)] public DateTimeOffset? ReceivedAt { get; init; }
}
