namespace Laevitas.Grains.Writing;

/// <summary>
/// One row of <c>deribit_prices</c> as the writer builds it: the ticker's fields (null when the tick did not carry
/// them) plus what is derived from the instrument name and the silo's receive time. <c>createdAt</c> is set by
/// the database at insert.
/// </summary>
public struct DeribitPriceRow
{
    public string InstrumentName;
    public long Timestamp;
    public double? UnderlyingPrice;
    public double? SettlementPrice;
    public double? OpenInterest;
    public double? MinPrice;
    public double? MaxPrice;
    public double? MarkPrice;
    public double? MarkIv;
    public double? LastPrice;
    public double? InterestRate;
    public double? IndexPrice;
    public double? BidIv;
    public double? BestBidPrice;
    public double? BestBidAmount;
    public double? BestAskPrice;
    public double? BestAskAmount;
    public double? AskIv;
    public string? Currency;
    public DateOnly? Maturity;
    public double? Strike;
    public string? Type;
    public string? Kind;
    public string? UnderlyingIndex;
    public double? EstimatedDeliveryPrice;
    public string? State;
    public double? Delta;
    public double? Gamma;
    public double? Vega;
    public double? Theta;
    public double? Rho;
    public double? StatsVolume;
    public double? StatsPriceChange;
    public double? StatsLow;
    public double? StatsHigh;
    public DateTime? ReceivedAt;
}
