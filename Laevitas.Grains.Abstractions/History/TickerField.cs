namespace Laevitas.Grains.Abstractions.History;

/// <summary>
/// The ticker fields <c>deribit_prices</c> has a column for, numbered by their bit in the column
/// <c>fields_present</c>: bit <c>1 &lt;&lt; (int)field</c> is set when the exchange's message carried the field (its
/// value, possibly JSON null, is then the column's). Together with <c>extra</c> (whatever has no column) that tells
/// a field sent as null from one not sent at all, so a row rebuilds the message exactly.
/// Values are stored in every row: append only, never renumber.
/// </summary>
public enum TickerField
{
    InstrumentName = 0,
    Timestamp = 1,
    State = 2,
    UnderlyingIndex = 3,
    UnderlyingPrice = 4,
    IndexPrice = 5,
    EstimatedDeliveryPrice = 6,
    SettlementPrice = 7,
    OpenInterest = 8,
    MinPrice = 9,
    MaxPrice = 10,
    MarkPrice = 11,
    MarkIv = 12,
    LastPrice = 13,
    InterestRate = 14,
    BidIv = 15,
    AskIv = 16,
    BestBidPrice = 17,
    BestBidAmount = 18,
    BestAskPrice = 19,
    BestAskAmount = 20,

    /// <summary>The <c>greeks</c> object itself (null or an object).</summary>
    Greeks = 21,

    /// <summary>The <c>stats</c> object itself (null or an object).</summary>
    Stats = 22,
    Delta = 23,
    Gamma = 24,
    Vega = 25,
    Theta = 26,
    Rho = 27,
    StatsVolume = 28,
    StatsPriceChange = 29,
    StatsLow = 30,
    StatsHigh = 31,
    DeliveryPrice = 32,
    Funding8h = 33,
    CurrentFunding = 34,
    InterestValue = 35,
    StatsVolumeUsd = 36,
    StatsVolumeNotional = 37,
    ComboState = 38,
    ImpliedBid = 39,
    ImpliedAsk = 40,
}
