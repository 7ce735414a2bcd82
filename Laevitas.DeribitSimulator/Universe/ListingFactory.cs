using System.Globalization;

namespace Laevitas.DeribitSimulator.Universe;

/// <summary>Builds a listing from an instrument name, with the contract terms of its underlying.</summary>
internal static class ListingFactory
{
    private static readonly string[] Months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];

    public static SimInstrument FromName(string instrumentName, long instrumentId, long? createdMs = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instrumentName);
        var parts = instrumentName.Split('-');
        var prefix = parts[0];
        var linear = prefix.EndsWith("_USDC", StringComparison.Ordinal);
        var baseCurrency = linear ? prefix[..^"_USDC".Length] : prefix;
        var spec = SpecFor(baseCurrency, linear);
        var created = createdMs ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        SimInstrument instrument;
        if (parts.Length == 2 && parts[1] == "PERPETUAL")
        {
            instrument = UniverseGenerator.Perpetual(spec, created, instrumentId);
        }
        else if (parts.Length == 2 && TryParseExpiry(parts[1], out var futureExpiry))
        {
            instrument = UniverseGenerator.Future(spec, futureExpiry, created, instrumentId);
        }
        else if (parts.Length == 4 && TryParseExpiry(parts[1], out var optionExpiry) && parts[3] is "C" or "P"
                 && double.TryParse(parts[2].Replace('d', '.'), NumberStyles.Float, CultureInfo.InvariantCulture, out var strike) && strike > 0)
        {
            instrument = UniverseGenerator.Option(spec, optionExpiry, strike, parts[3] == "C", created, instrumentId);
        }
        else
        {
            throw new ArgumentException(
                $"'{instrumentName}' is not a name the simulator can list: use BASE-PERPETUAL, BASE-5AUG25 or BASE-5AUG25-STRIKE-C|P (BASE = BTC, ETH or X_USDC; strike decimals with 'd').",
                nameof(instrumentName));
        }

        if (instrument.InstrumentName != instrumentName)
        {
            throw new ArgumentException($"'{instrumentName}' is not in Deribit's canonical form; did you mean '{instrument.InstrumentName}'?", nameof(instrumentName));
        }

        return instrument;
    }

    /// <summary>
    /// A new strike beyond the highest listed on the farthest expiry of <paramref name="sibling"/>'s chain, the way
    /// the exchange adds strikes as the underlying moves; null if the name happens to be taken.
    /// </summary>
    public static string? NextStrikeListing(SimInstrument sibling, IReadOnlyList<SimInstrument> options, InstrumentUniverse universe)
    {
        var prefix = sibling.InstrumentName[..sibling.InstrumentName.IndexOf('-')];
        var chain = options.Where(o => o.InstrumentName.StartsWith(prefix + "-", StringComparison.Ordinal) && o.InstrumentName != sibling.InstrumentName).ToList();
        if (chain.Count == 0) return null;
        var farthest = chain.Max(o => o.ExpirationTimestamp);
        var strikes = chain.Where(o => o.ExpirationTimestamp == farthest).Select(o => o.Strike!.Value).Distinct().Order().ToList();
        var step = strikes.Count > 1 ? strikes[^1] - strikes[^2] : strikes[0] * 0.1;
        var strike = Math.Round(strikes[^1] + step, 4);
        var expiry = DateTimeOffset.FromUnixTimeMilliseconds(farthest).UtcDateTime;
        var name = InstrumentNaming.Option(sibling.BaseCurrency, sibling.IsLinear, expiry, strike, call: sibling.OptionType == "call");
        return universe.IsActive(name) ? null : name;
    }

    internal static UnderlyingSpec SpecFor(string baseCurrency, bool linear)
    {
        foreach (var spec in new[] { UniverseGenerator.Btc, UniverseGenerator.Eth, UniverseGenerator.Sol, UniverseGenerator.Xrp, UniverseGenerator.BtcUsdc, UniverseGenerator.EthUsdc })
        {
            if (spec.BaseCurrency == baseCurrency && spec.Linear == linear) return spec;
        }

        // An underlying the generator does not know: linear USDC terms around a nominal price.
        return UniverseGenerator.Sol with { BaseCurrency = baseCurrency, Linear = linear, SpotPrice = 100 };
    }

    private static bool TryParseExpiry(string text, out DateTime expiry)
    {
        expiry = default;
        if (text.Length is < 6 or > 7) return false;
        var dayLength = text.Length - 5;
        if (!int.TryParse(text.AsSpan(0, dayLength), NumberStyles.None, CultureInfo.InvariantCulture, out var day)) return false;
        var month = Array.IndexOf(Months, text.Substring(dayLength, 3)) + 1;
        if (month == 0 || !int.TryParse(text.AsSpan(dayLength + 3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var year)) return false;
        if (day < 1 || day > DateTime.DaysInMonth(2000 + year, month)) return false;
        expiry = new DateTime(2000 + year, month, day, 8, 0, 0, DateTimeKind.Utc);
        return true;
    }
}
