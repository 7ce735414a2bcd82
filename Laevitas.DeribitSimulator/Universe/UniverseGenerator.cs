namespace Laevitas.DeribitSimulator.Universe;

/// <summary>
/// Builds a deterministic instrument universe that looks like Deribit's: inverse BTC/ETH perpetuals, futures and
/// options, linear USDC perpetuals and options (SOL_USDC, XRP_USDC with <c>d</c>-decimal strikes). Any size from a
/// handful upward: kinds are interleaved so a small universe still has one of each, options fill the rest.
/// </summary>
internal static class UniverseGenerator
{
    private const long DayMs = 86_400_000;

    public static readonly UnderlyingSpec Btc = new("BTC", false, 95_000, 0.0001, 0.1, 2.5, 0.5, 10, 10, 50, 500);
    public static readonly UnderlyingSpec Eth = new("ETH", false, 3_500, 0.0001, 1, 0.25, 0.05, 1, 1, 50, 25);
    public static readonly UnderlyingSpec Sol = new("SOL", true, 180, 0.01, 1, 0.01, 0.01, 1, 0.1, 25, 2.5);
    public static readonly UnderlyingSpec Xrp = new("XRP", true, 0.6, 0.0001, 10, 0.0001, 0.0001, 1, 1, 25, 0.025);
    public static readonly UnderlyingSpec BtcUsdc = new("BTC", true, 95_000, 5, 0.01, 1, 1, 0.0001, 0.0001, 50, 500);
    public static readonly UnderlyingSpec EthUsdc = new("ETH", true, 3_500, 0.1, 0.01, 0.1, 0.1, 0.001, 0.001, 50, 25);

    public static List<SimInstrument> Generate(int count, int seed, DateTimeOffset referenceTime, ref long nextInstrumentId, out Dictionary<string, double> indexPrices)
    {
        var random = new Random(seed);
        var today = referenceTime.UtcDateTime.Date;
        var created = new DateTimeOffset(today.AddDays(-30)).ToUnixTimeMilliseconds();

        // Spot levels jitter with the seed so two seeds give visibly different strike grids.
        var specs = new[] { Btc, Eth, Sol, Xrp }
            .Select(s => s with { SpotPrice = s.SpotPrice * (0.9 + 0.2 * random.NextDouble()) })
            .ToArray();
        indexPrices = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [specs[0].PriceIndex] = specs[0].SpotPrice,
            [specs[1].PriceIndex] = specs[1].SpotPrice,
            [specs[2].PriceIndex] = specs[2].SpotPrice,
            [specs[3].PriceIndex] = specs[3].SpotPrice,
            [BtcUsdc.PriceIndex] = specs[0].SpotPrice,
            [EthUsdc.PriceIndex] = specs[1].SpotPrice,
        };

        var perpetuals = new List<SimInstrument>();
        foreach (var spec in new[] { specs[0], specs[1], specs[2], specs[3], BtcUsdc, EthUsdc })
        {
            perpetuals.Add(Perpetual(spec, created, 0));
        }

        var futureExpiries = FutureExpiries(today);
        var futures = new List<SimInstrument>();
        foreach (var expiry in futureExpiries)
        {
            futures.Add(Future(specs[0], expiry, created, 0));
            futures.Add(Future(specs[1], expiry, created, 0));
        }

        var optionExpiries = OptionExpiries(today);
        // Weighted so BTC dominates, as on the exchange; every list is long enough to fill the whole request.
        var optionLists = new (List<SimInstrument> List, int Weight)[]
        {
            (Options(specs[0], optionExpiries, count, created), 3),
            (Options(specs[1], optionExpiries, count, created), 2),
            (Options(specs[2], optionExpiries, count, created), 1),
            (Options(specs[3], optionExpiries, count, created), 1),
        };

        var result = new List<SimInstrument>(count);
        var cursors = new int[optionLists.Length];
        int perpetualCursor = 0, futureCursor = 0;
        while (result.Count < count)
        {
            var before = result.Count;
            if (perpetualCursor < perpetuals.Count) result.Add(perpetuals[perpetualCursor++]);
            if (result.Count < count && futureCursor < futures.Count) result.Add(futures[futureCursor++]);
            for (var i = 0; i < optionLists.Length && result.Count < count; i++)
            {
                for (var w = 0; w < optionLists[i].Weight && result.Count < count && cursors[i] < optionLists[i].List.Count; w++)
                {
                    result.Add(optionLists[i].List[cursors[i]++]);
                }
            }

            if (result.Count == before) break;
        }

        for (var i = 0; i < result.Count; i++)
        {
            result[i] = result[i] with { InstrumentId = nextInstrumentId++ };
        }

        return result;
    }

    public static SimInstrument Perpetual(UnderlyingSpec spec, long created, long id) => new()
    {
        InstrumentName = InstrumentNaming.Perpetual(spec.BaseCurrency, spec.Linear),
        Kind = InstrumentKind.Future,
        InstrumentId = id,
        BaseCurrency = spec.BaseCurrency,
        QuoteCurrency = spec.QuoteCurrency,
        SettlementCurrency = spec.SettlementCurrency,
        CounterCurrency = spec.CounterCurrency,
        InstrumentType = spec.Linear ? "linear" : "reversed",
        FutureType = spec.Linear ? "linear" : "reversed",
        PriceIndex = spec.PriceIndex,
        SettlementPeriod = "perpetual",
        CreationTimestamp = created,
        ExpirationTimestamp = SimInstrument.PerpetualExpiration,
        TickSize = spec.PerpetualTickSize,
        ContractSize = spec.FutureContractSize,
        MinTradeAmount = spec.FutureMinTrade,
        MakerCommission = 0,
        TakerCommission = 0.0005,
        BlockTradeCommission = 0.00025,
        BlockTradeMinTradeAmount = spec.Linear ? 1 : 200_000,
        BlockTradeTickSize = spec.PerpetualTickSize,
        MaxLeverage = spec.MaxLeverage,
        MaxLiquidationCommission = 0.0075,
    };

    public static SimInstrument Future(UnderlyingSpec spec, DateTime expiryUtc, long created, long id) => new()
    {
        InstrumentName = InstrumentNaming.Future(spec.BaseCurrency, spec.Linear, expiryUtc),
        Kind = InstrumentKind.Future,
        InstrumentId = id,
        BaseCurrency = spec.BaseCurrency,
        QuoteCurrency = spec.QuoteCurrency,
        SettlementCurrency = spec.SettlementCurrency,
        CounterCurrency = spec.CounterCurrency,
        InstrumentType = spec.Linear ? "linear" : "reversed",
        FutureType = spec.Linear ? "linear" : "reversed",
        PriceIndex = spec.PriceIndex,
        SettlementPeriod = SettlementPeriod(expiryUtc),
        CreationTimestamp = created,
        ExpirationTimestamp = ToMs(expiryUtc),
        TickSize = spec.FutureTickSize,
        ContractSize = spec.FutureContractSize,
        MinTradeAmount = spec.FutureMinTrade,
        MakerCommission = -0.0001,
        TakerCommission = 0.0005,
        BlockTradeCommission = 0.00025,
        BlockTradeMinTradeAmount = spec.Linear ? 1 : 200_000,
        BlockTradeTickSize = spec.FutureTickSize,
        MaxLeverage = spec.MaxLeverage,
        MaxLiquidationCommission = 0.0075,
    };

    public static SimInstrument Option(UnderlyingSpec spec, DateTime expiryUtc, double strike, bool call, long created, long id) => new()
    {
        InstrumentName = InstrumentNaming.Option(spec.BaseCurrency, spec.Linear, expiryUtc, strike, call),
        Kind = InstrumentKind.Option,
        InstrumentId = id,
        BaseCurrency = spec.BaseCurrency,
        QuoteCurrency = spec.Linear ? "USDC" : spec.BaseCurrency,
        SettlementCurrency = spec.SettlementCurrency,
        CounterCurrency = spec.CounterCurrency,
        InstrumentType = spec.Linear ? "linear" : "reversed",
        PriceIndex = spec.PriceIndex,
        SettlementPeriod = SettlementPeriod(expiryUtc),
        CreationTimestamp = created,
        ExpirationTimestamp = ToMs(expiryUtc),
        TickSize = spec.OptionTickSize,
        TickSizeSteps = spec.Linear ? [] : [new TickSizeStep(0.005, 0.0005)],
        ContractSize = 1,
        MinTradeAmount = spec.OptionMinTrade,
        MakerCommission = 0.0003,
        TakerCommission = 0.0003,
        BlockTradeCommission = 0.0003,
        BlockTradeMinTradeAmount = spec.Linear ? 100 : 25,
        BlockTradeTickSize = spec.OptionTickSize,
        OptionType = call ? "call" : "put",
        Strike = strike,
    };

    /// <summary>Weekly Fridays, two month-ends and three quarter-ends: the shape of Deribit's futures curve.</summary>
    internal static List<DateTime> FutureExpiries(DateTime today)
    {
        var set = new SortedSet<DateTime>();
        var friday = NextFriday(today);
        set.Add(friday);
        set.Add(friday.AddDays(7));
        for (var m = 0; m < 2; m++) set.Add(LastFridayOfMonth(today.AddMonths(m), today));
        var quarterStart = new DateTime(today.Year, (today.Month - 1) / 3 * 3 + 3, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var q = 0; q < 3; q++) set.Add(LastFridayOfMonth(quarterStart.AddMonths(3 * q), today));
        return set.ToList();
    }

    /// <summary>Three dailies, three weeklies, monthlies and quarterlies, each at 08:00 UTC.</summary>
    internal static List<DateTime> OptionExpiries(DateTime today)
    {
        var set = new SortedSet<DateTime>();
        for (var d = 1; d <= 3; d++) set.Add(today.AddDays(d).AddHours(8));
        foreach (var expiry in FutureExpiries(today)) set.Add(expiry);
        set.Add(NextFriday(today).AddDays(14));
        return set.ToList();
    }

    /// <summary>
    /// An option chain long enough for the whole request: strikes ordered by distance from the money, each rank
    /// across every expiry, so a truncated list still spans all expiries around the money.
    /// </summary>
    private static List<SimInstrument> Options(UnderlyingSpec spec, List<DateTime> expiries, int needed, long created)
    {
        var strikesPerExpiry = Math.Max(1, (int)Math.Ceiling(needed / (2.0 * expiries.Count)));
        var grids = expiries.Select(e => StrikeGrid(spec, e, strikesPerExpiry)).ToArray();
        var list = new List<SimInstrument>(strikesPerExpiry * expiries.Count * 2);
        for (var rank = 0; rank < strikesPerExpiry; rank++)
        {
            for (var e = 0; e < expiries.Count; e++)
            {
                if (rank >= grids[e].Count) continue;
                list.Add(Option(spec, expiries[e], grids[e][rank], call: true, created, 0));
                list.Add(Option(spec, expiries[e], grids[e][rank], call: false, created, 0));
            }
        }

        return list;
    }

    /// <summary>Strikes around the spot, nearest first, on a "nice" step that widens with the number of strikes.</summary>
    internal static List<double> StrikeGrid(UnderlyingSpec spec, DateTime expiry, int count)
    {
        var step = NiceStep(Math.Max(spec.StrikeStepFloor, spec.SpotPrice * 1.5 / count), spec.StrikeStepFloor);
        var atm = Math.Round(spec.SpotPrice / step) * step;
        var strikes = new List<double>(count);
        for (var k = 0; strikes.Count < count && k < 4 * count + 4; k++)
        {
            // 0, +1, -1, +2, -2, … steps away from the money.
            var offset = (k + 1) / 2 * (k % 2 == 1 ? 1 : -1);
            var strike = Math.Round(atm + offset * step, 4);
            if (strike > 0) strikes.Add(strike);
        }

        return strikes;
    }

    private static double NiceStep(double raw, double floor)
    {
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        foreach (var m in new[] { 1, 2, 2.5, 5, 10 })
        {
            var candidate = m * magnitude;
            if (candidate >= raw) return Math.Max(Math.Round(candidate, 4), floor);
        }

        return Math.Max(10 * magnitude, floor);
    }

    private static string SettlementPeriod(DateTime expiry) =>
        expiry.DayOfWeek != DayOfWeek.Friday ? "day"
        : expiry.AddDays(7).Month != expiry.Month ? "month"
        : "week";

    private static DateTime NextFriday(DateTime today)
    {
        var days = ((int)DayOfWeek.Friday - (int)today.DayOfWeek + 7) % 7;
        if (days == 0) days = 7;
        return today.AddDays(days).AddHours(8);
    }

    private static DateTime LastFridayOfMonth(DateTime inMonth, DateTime today)
    {
        var last = new DateTime(inMonth.Year, inMonth.Month, DateTime.DaysInMonth(inMonth.Year, inMonth.Month), 8, 0, 0, DateTimeKind.Utc);
        while (last.DayOfWeek != DayOfWeek.Friday) last = last.AddDays(-1);
        return last <= today.AddHours(8) ? LastFridayOfMonth(inMonth.AddMonths(1), today) : last;
    }

    private static long ToMs(DateTime utc) => new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).ToUnixTimeMilliseconds();

    internal static long DaysMs(int days) => days * DayMs;
}
