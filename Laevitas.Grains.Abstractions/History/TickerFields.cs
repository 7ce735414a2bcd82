namespace Laevitas.Grains.Abstractions.History;

/// <summary>How each <see cref="TickerField"/> is spelled in the exchange's ticker <c>data</c> object.</summary>
public static class TickerFields
{
    /// <summary>Every field, in bit order.</summary>
    public static readonly TickerField[] All = Enum.GetValues<TickerField>();

    /// <summary>The JSON property name, inside <see cref="ParentOf"/> when that is not null.</summary>
    public static string JsonName(TickerField field) => field switch
    {
        TickerField.InstrumentName => "instrument_name",
        TickerField.Timestamp => "timestamp",
        TickerField.State => "state",
        TickerField.UnderlyingIndex => "underlying_index",
        TickerField.UnderlyingPrice => "underlying_price",
        TickerField.IndexPrice => "index_price",
        TickerField.EstimatedDeliveryPrice => "estimated_delivery_price",
        TickerField.SettlementPrice => "settlement_price",
        TickerField.OpenInterest => "open_interest",
        TickerField.MinPrice => "min_price",
        TickerField.MaxPrice => "max_price",
        TickerField.MarkPrice => "mark_price",
        TickerField.MarkIv => "mark_iv",
        TickerField.LastPrice => "last_price",
        TickerField.InterestRate => "interest_rate",
        TickerField.BidIv => "bid_iv",
        TickerField.AskIv => "ask_iv",
        TickerField.BestBidPrice => "best_bid_price",
        TickerField.BestBidAmount => "best_bid_amount",
        TickerField.BestAskPrice => "best_ask_price",
        TickerField.BestAskAmount => "best_ask_amount",
        TickerField.Greeks => "greeks",
        TickerField.Stats => "stats",
        TickerField.Delta => "delta",
        TickerField.Gamma => "gamma",
        TickerField.Vega => "vega",
        TickerField.Theta => "theta",
        TickerField.Rho => "rho",
        TickerField.StatsVolume => "volume",
        TickerField.StatsPriceChange => "price_change",
        TickerField.StatsLow => "low",
        TickerField.StatsHigh => "high",
        TickerField.DeliveryPrice => "delivery_price",
        TickerField.Funding8h => "funding_8h",
        TickerField.CurrentFunding => "current_funding",
        TickerField.InterestValue => "interest_value",
        TickerField.StatsVolumeUsd => "volume_usd",
        TickerField.StatsVolumeNotional => "volume_notional",
        TickerField.ComboState => "combo_state",
        TickerField.ImpliedBid => "implied_bid",
        TickerField.ImpliedAsk => "implied_ask",
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, null),
    };

    /// <summary><see cref="TickerField.Greeks"/> or <see cref="TickerField.Stats"/> for nested fields, else null.</summary>
    public static TickerField? ParentOf(TickerField field) => field switch
    {
        TickerField.Delta or TickerField.Gamma or TickerField.Vega or TickerField.Theta or TickerField.Rho => TickerField.Greeks,
        TickerField.StatsVolume or TickerField.StatsPriceChange or TickerField.StatsLow or TickerField.StatsHigh
            or TickerField.StatsVolumeUsd or TickerField.StatsVolumeNotional => TickerField.Stats,
        _ => null,
    };

    /// <summary>Whether <paramref name="mask"/> (the column <c>fields_present</c>) has <paramref name="field"/>.</summary>
    public static bool IsPresent(long mask, TickerField field) => (mask & (1L << (int)field)) != 0;
}
