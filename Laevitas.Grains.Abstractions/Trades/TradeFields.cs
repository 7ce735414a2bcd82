namespace Laevitas.Grains.Abstractions.Trades;

/// <summary>How each <see cref="TradeField"/> is spelled in a trade of the exchange's <c>trades.*</c> notifications.</summary>
public static class TradeFields
{
    /// <summary>Every field, in bit order.</summary>
    public static readonly TradeField[] All = Enum.GetValues<TradeField>();

    public static string JsonName(TradeField field) => field switch
    {
        TradeField.TradeId => "trade_id",
        TradeField.TradeSeq => "trade_seq",
        TradeField.Timestamp => "timestamp",
        TradeField.InstrumentName => "instrument_name",
        TradeField.Price => "price",
        TradeField.Amount => "amount",
        TradeField.Contracts => "contracts",
        TradeField.Direction => "direction",
        TradeField.Iv => "iv",
        TradeField.IndexPrice => "index_price",
        TradeField.MarkPrice => "mark_price",
        TradeField.TickDirection => "tick_direction",
        TradeField.Liquidation => "liquidation",
        TradeField.BlockTradeId => "block_trade_id",
        TradeField.BlockTradeLegCount => "block_trade_leg_count",
        TradeField.ComboId => "combo_id",
        TradeField.ComboTradeId => "combo_trade_id",
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, null),
    };

    /// <summary>Whether <paramref name="mask"/> (the column <c>fields_present</c>) has <paramref name="field"/>.</summary>
    public static bool IsPresent(long mask, TradeField field) => (mask & (1L << (int)field)) != 0;
}
