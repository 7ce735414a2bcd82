namespace Laevitas.DeribitSimulator.Universe;

/// <summary>
/// Deribit's daily cycle at 08:00 UTC (<see cref="SimulatorOptions.DailySchedule"/>): what expires at a settlement and
/// what is listed then. The exchange's contract introduction policy
/// (https://support.deribit.com/hc/en-us/articles/25944688876957-Contract-Introduction-Policy, and for dailies
/// https://insights.deribit.com/exchange-updates/launch-of-btc-daily-options-on-deribit/): every option, future and
/// daily expires at 08:00 UTC; a new daily series is listed automatically every day at 08:00 UTC, BTC and ETH keeping
/// 1, 2 and 3 dailies open (so the one listed expires three days later), with strikes around the money. The lifecycle
/// is announced on <c>instrument.state.{kind}.{currency}</c>
/// (https://docs.deribit.com/subscriptions/market-data/instrumentstatekindcurrency: "new listings,
/// expirations/terminations").
/// </summary>
internal static class DailySchedule
{
    /// <summary>Every settlement and listing happens at this time of day, UTC.</summary>
    public static readonly TimeSpan At = TimeSpan.FromHours(8);

    /// <summary>The latest 08:00 UTC at or before <paramref name="now"/>: when the listing in force was made.</summary>
    public static DateTimeOffset ListingDayOf(DateTimeOffset now)
    {
        var utc = now.UtcDateTime;
        var today = new DateTimeOffset(utc.Date + At, TimeSpan.Zero);
        return utc >= today.UtcDateTime ? today : today.AddDays(-1);
    }

    /// <summary>The listed instruments that expire at or before <paramref name="settlement"/>, by name (perpetuals never do).</summary>
    public static List<SimInstrument> Expiring(IReadOnlyList<SimInstrument> active, DateTimeOffset settlement)
    {
        var ms = settlement.ToUnixTimeMilliseconds();
        return active.Where(i => !i.IsPerpetual && i.ExpirationTimestamp <= ms)
            .OrderBy(i => i.ExpirationTimestamp).ThenBy(i => i.InstrumentName, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The new daily expiry of each option chain listed (or just delivered) at <paramref name="settlement"/>: expiring
    /// <paramref name="expiryDays"/> days later at 08:00, <paramref name="strikes"/> strikes nearest the chain's index
    /// now (<paramref name="indexPrice"/>), a call and a put each, the names already listed left out.
    /// </summary>
    public static List<SimInstrument> NewDailies(
        IEnumerable<SimInstrument> chains, DateTimeOffset settlement, int expiryDays, int strikes, Func<string, double, double> indexPrice,
        Func<string, bool> isListed, Func<long> nextInstrumentId)
    {
        var expiry = settlement.UtcDateTime.Date.AddDays(expiryDays) + At;
        var created = settlement.ToUnixTimeMilliseconds();
        var listed = new List<SimInstrument>();
        var prefixes = chains.Where(i => i.Kind == InstrumentKind.Option)
            .Select(i => (i.BaseCurrency, i.IsLinear))
            .Distinct()
            .OrderBy(c => c.IsLinear).ThenBy(c => c.BaseCurrency, StringComparer.Ordinal);
        foreach (var (baseCurrency, linear) in prefixes)
        {
            var spec = ListingFactory.SpecFor(baseCurrency, linear);
            // A grid as wide as the generator's for a 20-strike chain, centred where the index is now.
            var spot = indexPrice(spec.PriceIndex, spec.SpotPrice);
            var grid = UniverseGenerator.StrikeGrid(spec with { SpotPrice = spot }, expiry, 20).Take(strikes).Order();
            foreach (var strike in grid)
            {
                foreach (var call in new[] { true, false })
                {
                    var name = InstrumentNaming.Option(baseCurrency, linear, expiry, strike, call);
                    if (isListed(name) || listed.Any(l => l.InstrumentName == name)) continue;
                    listed.Add(UniverseGenerator.Option(spec, expiry, strike, call, created, nextInstrumentId()));
                }
            }
        }

        return listed;
    }
}
