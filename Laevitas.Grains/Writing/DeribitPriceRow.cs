namespace Laevitas.Grains.Writing;

/// <summary>
/// One row of <c>deribit_prices</c> as the writer builds it: the ticker's fields (null when the tick did not carry
/// them or sent null; <see cref="FieldsPresent"/> tells which), the ones with no column in <see cref="Extra"/>, plus
/// what is derived from the instrument name and the silo's receive time. <c>createdAt</c> is set by the database at
/// insert.
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
    public double? DeliveryPrice;
    public double? Funding8h;
    public double? CurrentFunding;
    public double? InterestValue;
    public double? StatsVolumeUsd;
    public double? StatsVolumeNotional;
    public string? ComboState;
    public double? ImpliedBid;
    public double? ImpliedAsk;

    /// <summary>Derived from the name: the unit prices are quoted in (<c>BTC</c>, <c>USD</c>, <c>USDC</c>).</summary>
    public string? QuoteCurrency;

    /// <summary>Derived from the name: the currency the instrument settles in.</summary>
    public string? SettlementCurrency;

    /// <summary>The fields with no column, as a UTF-8 JSON object; null when there were none.</summary>
    public byte[]? Extra;

    /// <summary>Which <see cref="Abstractions.History.TickerField"/>s the message carried, one bit each.</summary>
    public long FieldsPresent;
}
