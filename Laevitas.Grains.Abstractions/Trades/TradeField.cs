namespace Laevitas.Grains.Abstractions.Trades;

/// <summary>
/// The trade fields <c>deribit_trades</c> has a column for, numbered by their bit in <c>fields_present</c> (set when
/// the exchange's trade carried the field, even as null). Stored in every row: append only, never renumber.
/// </summary>
public enum TradeField
{
    TradeId = 0,
    TradeSeq = 1,
    Timestamp = 2,
    InstrumentName = 3,
    Price = 4,
    Amount = 5,
    Contracts = 6,
    Direction = 7,
    Iv = 8,
    IndexPrice = 9,
    MarkPrice = 10,
    TickDirection = 11,
    Liquidation = 12,
    BlockTradeId = 13,
    BlockTradeLegCount = 14,
    ComboId = 15,
    ComboTradeId = 16,
}
