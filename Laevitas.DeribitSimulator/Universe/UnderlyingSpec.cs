namespace Laevitas.DeribitSimulator.Universe;

/// <summary>Contract terms of one underlying: what its perpetual, futures and options look like on the exchange.</summary>
internal sealed record UnderlyingSpec(
    string BaseCurrency,
    bool Linear,
    double SpotPrice,
    double OptionTickSize,
    double OptionMinTrade,
    double FutureTickSize,
    double PerpetualTickSize,
    double FutureContractSize,
    double FutureMinTrade,
    int MaxLeverage,
    double StrikeStepFloor)
{
    public string PriceIndex => Linear ? BaseCurrency.ToLowerInvariant() + "_usdc" : BaseCurrency.ToLowerInvariant() + "_usd";
    public string SettlementCurrency => Linear ? "USDC" : BaseCurrency;
    public string QuoteCurrency => Linear ? "USDC" : "USD";
    public string CounterCurrency => Linear ? "USDC" : "USD";
}
