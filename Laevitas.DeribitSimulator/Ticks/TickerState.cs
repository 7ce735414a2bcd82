using System.Text.Json;
using Laevitas.DeribitSimulator.Universe;

namespace Laevitas.DeribitSimulator.Ticks;

/// <summary>
/// The live ticker of one instrument: derived from its index walk (futures: basis, options: Black-76 on a smile),
/// with occasional trades moving last price, volume and the 24 h stats. Advanced by the tick engine only.
/// </summary>
internal sealed class TickerState
{
    private const double MsPerYear = 365.0 * 86_400_000;
    private const double MaxQuotedIv = 500;

    private readonly double basis;
    private readonly double baseIv;
    private readonly double premium;
    private readonly int markDecimals;
    private readonly int tickDecimals;
    private readonly int amountDecimals;
    private readonly double amountUnit;

    public TickerState(SimInstrument instrument, IndexWalk index, string? underlyingIndex, Random random, long nowMs)
    {
        Instrument = instrument;
        Index = index;
        NameJson = JsonEncodedText.Encode(instrument.InstrumentName);
        UnderlyingIndexJson = JsonEncodedText.Encode(underlyingIndex ?? "index_price");
        basis = 0.03 + 0.07 * random.NextDouble();
        premium = (random.NextDouble() - 0.5) * 0.001;
        tickDecimals = Decimals(instrument.TickSize);
        // Marks carry more precision than the order book: two digits past the tick, inverse options 8 decimals
        // (the exchange sends e.g. 0.06926904).
        markDecimals = instrument.Kind == InstrumentKind.Option && !instrument.IsLinear ? 8 : tickDecimals + 2;
        amountUnit = instrument.Kind == InstrumentKind.Option ? instrument.MinTradeAmount : instrument.ContractSize;
        amountDecimals = Decimals(amountUnit);
        if (instrument.Strike is { } strike)
        {
            // A smile: higher implied volatility away from the money, as on the exchange.
            var moneyness = Math.Log(strike / index.Price);
            baseIv = 0.45 + 0.15 * random.NextDouble() + 0.8 * moneyness * moneyness;
        }

        OpenInterest = Math.Round((instrument.Kind == InstrumentKind.Option ? 50 : 5_000_000) * (0.1 + random.NextDouble()), 1);
        Volume = Math.Round((instrument.Kind == InstrumentKind.Option ? 20 : 2_000) * random.NextDouble(), 4);
        HasTrades = random.NextDouble() < 0.85;
        Recompute(nowMs, random);
        SettlementPrice = MarkPrice;
        if (HasTrades)
        {
            LastPrice = MarkPrice;
            High = MarkPrice;
            Low = MarkPrice;
        }
    }

    public SimInstrument Instrument { get; }
    public IndexWalk Index { get; }
    public JsonEncodedText NameJson { get; }
    public JsonEncodedText UnderlyingIndexJson { get; }
    public string State { get; private set; } = "open";

    /// <summary>Set on the final notification of an expired instrument (the exchange then sends the string "expired").</summary>
    public bool Delivered { get; private set; }

    /// <summary>The price the instrument was delivered at (its <c>delivery_price</c>), once <see cref="Delivered"/>.</summary>
    public double DeliveryPrice { get; private set; }

    /// <summary>Timestamp of the last tick emitted (exchange ms); the next one is strictly greater.</summary>
    public long LastTimestamp { get; private set; }

    public double IndexPrice { get; private set; }
    public double UnderlyingPrice { get; private set; }
    public double MarkPrice { get; private set; }
    public double MarkIv { get; private set; }
    public double BidIv { get; private set; }
    public double AskIv { get; private set; }
    public double BestBidPrice { get; private set; }
    public double BestAskPrice { get; private set; }
    public double BestBidAmount { get; private set; }
    public double BestAskAmount { get; private set; }
    public double MinPrice { get; private set; }
    public double MaxPrice { get; private set; }
    public double SettlementPrice { get; private set; }
    public double OpenInterest { get; private set; }
    public double Volume { get; private set; }
    public bool HasTrades { get; private set; }
    public double LastPrice { get; private set; }
    public double High { get; private set; }
    public double Low { get; private set; }
    public double Delta { get; private set; }
    public double Gamma { get; private set; }
    public double Vega { get; private set; }
    public double Theta { get; private set; }
    public double Rho { get; private set; }
    public double CurrentFunding { get; private set; }
    public double Funding8h { get; private set; }
    public double InterestValue { get; private set; }

    /// <summary>Percent change of the last price against the settlement price (24 h stat).</summary>
    public double PriceChange => SettlementPrice == 0 ? 0 : Math.Round((LastPrice - SettlementPrice) / SettlementPrice * 100, 4);

    /// <summary>Next timestamp for this instrument: wall clock, but never equal to or before the previous one.</summary>
    public long NextTimestamp(long nowMs) => nowMs > LastTimestamp ? nowMs : LastTimestamp + 1;

    /// <summary>
    /// The instrument's last word: settled and delivered at <paramref name="deliveryPrice"/> (the day's delivery price of
    /// its index, on the daily schedule), or at the current index when none is given.
    /// </summary>
    public void Deliver(long timestampMs, double? deliveryPrice = null)
    {
        LastTimestamp = timestampMs;
        State = "closed";
        Delivered = true;
        DeliveryPrice = deliveryPrice ?? IndexPrice;
    }

    /// <summary>Moves the ticker to <paramref name="timestampMs"/> (must come from <see cref="NextTimestamp"/>).</summary>
    public void Advance(long timestampMs, Random random)
    {
        LastTimestamp = timestampMs;
        Recompute(timestampMs, random);
        if (random.NextDouble() < 0.1)
        {
            // A trade: at the touch, some size, stats follow.
            var price = random.NextDouble() < 0.5 ? BestBidPrice : BestAskPrice;
            if (price > 0)
            {
                LastPrice = price;
                HasTrades = true;
                High = Math.Max(High == 0 ? price : High, price);
                Low = Low == 0 ? price : Math.Min(Low, price);
                Volume = Math.Round(Volume + amountUnit * (1 + random.Next(10)), 4);
                OpenInterest = Math.Round(Math.Max(0, OpenInterest + amountUnit * (random.Next(21) - 10)), 4);
            }
        }
    }

    private void Recompute(long nowMs, Random random)
    {
        var instrument = Instrument;
        var index = Index.Price;
        IndexPrice = Math.Round(index, Math.Max(2, tickDecimals));
        var years = instrument.IsPerpetual ? 0 : Math.Max((instrument.ExpirationTimestamp - nowMs) / MsPerYear, 1e-6);
        var tick = instrument.TickSize;
        if (instrument.Kind == InstrumentKind.Option)
        {
            var forward = index * Math.Exp(basis * years);
            UnderlyingPrice = Math.Round(forward, 4);
            var iv = Math.Max(0.05, baseIv + (random.NextDouble() - 0.5) * 0.004);
            var bs = BlackScholes.Price(forward, instrument.Strike!.Value, years, iv, instrument.OptionType == "call");
            // Inverse options are quoted in the base currency, linear ones in USDC.
            var scale = instrument.IsLinear ? 1 : 1 / forward;
            var mark = bs.Price * scale;
            MarkPrice = Math.Round(Math.Max(mark, 0), markDecimals);
            MarkIv = Math.Round(iv * 100, 2);
            var halfSpread = Math.Max(tick, mark * 0.02);
            var bid = Math.Floor((mark - halfSpread) / tick) * tick;
            var ask = Math.Ceiling((mark + halfSpread) / tick) * tick;
            var vegaQuoted = Math.Max(bs.Vega * scale, 1e-12);
            if (bid > 0)
            {
                BestBidPrice = RoundTo(bid, tick);
                BestBidAmount = RoundTo(amountUnit * (1 + random.Next(50)), amountUnit);
                BidIv = Math.Round(Math.Clamp(MarkIv - (mark - BestBidPrice) / vegaQuoted, 0, MaxQuotedIv), 2);
            }
            else
            {
                BestBidPrice = 0;
                BestBidAmount = 0;
                BidIv = 0;
            }

            BestAskPrice = RoundTo(ask, tick);
            BestAskAmount = RoundTo(amountUnit * (1 + random.Next(50)), amountUnit);
            // Deep out of the money a one-tick offer implies an absurd volatility; the exchange caps what it shows.
            AskIv = Math.Round(Math.Clamp(MarkIv + (BestAskPrice - mark) / vegaQuoted, 0, MaxQuotedIv), 2);
            MinPrice = RoundTo(Math.Max(tick, mark * 0.5), tick);
            MaxPrice = RoundTo(mark * 1.5 + 10 * tick, tick);
            Delta = Math.Round(bs.Delta, 5);
            Gamma = Math.Round(bs.Gamma, 5);
            Vega = Math.Round(bs.Vega, 5);
            Theta = Math.Round(bs.Theta, 5);
            Rho = Math.Round(bs.Rho, 5);
            return;
        }

        double fair;
        if (instrument.IsPerpetual)
        {
            var premium = this.premium + (random.NextDouble() - 0.5) * 0.0002;
            fair = index * (1 + premium);
            CurrentFunding = Math.Round(premium / 10, 8);
            Funding8h = Math.Round(premium / 30, 8);
            InterestValue = Math.Round(premium * 100, 8);
        }
        else
        {
            fair = index * Math.Exp(basis * years);
        }

        MarkPrice = Math.Round(fair, markDecimals);
        var spreadTicks = 1 + random.Next(3);
        BestBidPrice = RoundTo(Math.Floor(fair / tick) * tick - (spreadTicks - 1) * tick, tick);
        BestAskPrice = RoundTo(BestBidPrice + spreadTicks * tick, tick);
        BestBidAmount = RoundTo(amountUnit * (1 + random.Next(5_000)), amountUnit);
        BestAskAmount = RoundTo(amountUnit * (1 + random.Next(5_000)), amountUnit);
        MinPrice = RoundTo(fair * 0.985, tick);
        MaxPrice = RoundTo(fair * 1.015, tick);
    }

    private double RoundTo(double value, double step) =>
        Math.Round(Math.Round(value / step) * step, step == amountUnit ? amountDecimals : tickDecimals);

    private static int Decimals(double step)
    {
        var decimals = 0;
        while (decimals < 10 && Math.Abs(step - Math.Round(step, decimals)) > 1e-12) decimals++;
        return decimals;
    }
}
