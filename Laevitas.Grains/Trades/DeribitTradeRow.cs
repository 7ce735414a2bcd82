namespace Laevitas.Grains.Trades;

/// <summary>
/// One row of <c>deribit_trades</c> as the writer builds it from one trade of a <c>trades.*</c> notification: the
/// trade's fields (null when not sent or sent as null; <see cref="FieldsPresent"/> tells which), the ones with no
/// column in <see cref="Extra"/>, plus what the instrument name gives and the silo's receive time.
/// </summary>
public struct DeribitTradeRow
{
    /// <summary>Settlement currency from the name (<c>BTC</c>, <c>USDC</c>): trade ids are unique per currency.</summary>
    public string Currency;
    public string TradeId;
    public string InstrumentName;
    public long Timestamp;
    public long? TradeSeq;
    public string? Kind;
    public double? Price;
    public double? Amount;
    public double? Contracts;
    public string? Direction;
    public double? Iv;
    public double? IndexPrice;
    public double? MarkPrice;
    public int? TickDirection;
    public string? Liquidation;
    public string? BlockTradeId;
    public int? BlockTradeLegCount;
    public string? ComboId;
    public string? ComboTradeId;
    public byte[]? Extra;
    public long FieldsPresent;
    public DateTime? ReceivedAt;
}
