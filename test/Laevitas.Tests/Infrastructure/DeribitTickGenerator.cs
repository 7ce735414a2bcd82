using System.Buffers;
using System.Text.Json;

namespace Laevitas.Tests.Infrastructure;

/// <summary>
/// Realistic ticker payloads for options (inverse and linear), futures, future combos and perpetuals, each with the
/// row it must become. Enrichment is written down here from how the names are built, independently of the parser.
/// </summary>
public sealed class DeribitTickGenerator
{
    private static readonly string[] Months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];

    private readonly Random random;
    private readonly List<Instrument> instruments = [];

    public DeribitTickGenerator(int seed, int options, int futures, int perpetuals)
    {
        random = new Random(seed);
        DateOnly[] expiries = [new(2024, 12, 27), new(2025, 1, 31), new(2025, 3, 28), new(2025, 8, 5), new(2025, 6, 27)];
        string[] currencies = ["BTC", "ETH"];
        for (var i = 0; instruments.Count < options; i++)
        {
            var expiry = expiries[i % expiries.Length];
            var type = i % 2 == 0 ? "C" : "P";
            if (i % 10 == 9)
            {
                // Linear option: strike with 'd' for the decimal point.
                var strike = 0.5 + ((i / 10) * 0.125);
                var strikeText = strike.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture).Replace('.', 'd');
                instruments.Add(new Instrument($"XRP_USDC-{Code(expiry)}-{strikeText}-{type}", "option", "XRP", expiry, strike, type, "XRP_USDC"));
            }
            else
            {
                var currency = currencies[i % 2];
                var strike = (currency == "BTC" ? 60_000 : 2_000) + ((i / 2) * (currency == "BTC" ? 1_000 : 50));
                instruments.Add(new Instrument($"{currency}-{Code(expiry)}-{strike}-{type}", "option", currency, expiry, strike, type, $"{currency}-{Code(expiry)}"));
            }
        }

        for (var i = 0; i < futures; i++)
        {
            var currency = currencies[i % 2];
            // One expiry per future: names must be unique.
            var expiry = new DateOnly(2025, 1, 3).AddDays(i);
            if (i % 7 == 6)
            {
                instruments.Add(new Instrument($"{currency}-FS-{Code(expiry)}_PERP", "future_combo", currency, expiry, null, null, null));
            }
            else
            {
                instruments.Add(new Instrument($"{currency}-{Code(expiry)}", "future", currency, expiry, null, null, $"{currency}-{Code(expiry)}"));
            }
        }

        string[] perpetualRoots = ["BTC", "ETH", "SOL_USDC", "XRP_USDC", "DOGE_USDC", "ADA_USDC", "AVAX_USDC", "LINK_USDC"];
        for (var i = 0; i < perpetuals; i++)
        {
            var root = perpetualRoots[i % perpetualRoots.Length];
            // More perpetuals than roots: unknown names still land, with null enrichment.
            var name = i < perpetualRoots.Length ? $"{root}-PERPETUAL" : $"{root}-PERPETUAL-X{i}";
            var known = i < perpetualRoots.Length;
            instruments.Add(new Instrument(name, known ? "perpetual" : null, known ? root.Split('_')[0] : null, null, null, null, known ? "index_price" : null));
        }
    }

    public IReadOnlyList<string> InstrumentNames => instruments.Select(i => i.Name).ToList();

    /// <summary>
    /// <paramref name="perInstrument"/> ticks of every instrument, interleaved as a feed would send them, starting at
    /// <paramref name="startMs"/> (10% of them a few days earlier, so more than one daily partition is written).
    /// </summary>
    public List<GeneratedTick> Ticks(int perInstrument, long startMs)
    {
        var ticks = new List<GeneratedTick>(perInstrument * instruments.Count);
        for (var k = 0; k < perInstrument; k++)
        {
            for (var i = 0; i < instruments.Count; i++)
            {
                var old = i % 10 == 3;
                var timestamp = (old ? startMs - (3 * 86_400_000L) : startMs) + (k * 100L) + (i % 50);
                ticks.Add(Tick(instruments[i], timestamp));
            }
        }

        return ticks;
    }

    private GeneratedTick Tick(Instrument instrument, long timestamp)
    {
        var receivedAtMs = timestamp + random.Next(1, 40);
        var option = instrument.Kind == "option";
        var perpetual = instrument.Kind == "perpetual" || instrument.Kind is null;
        double Price(double scale) => Math.Round(random.NextDouble() * scale, 4);
        double? Maybe(double value) => random.Next(8) == 0 ? null : value;

        var expected = new ExpectedPrice(
            instrument.Name,
            UnderlyingPrice: option ? Price(100_000) : null,
            Timestamp: timestamp,
            SettlementPrice: perpetual ? null : Maybe(Price(100_000)),
            OpenInterest: Price(1_000_000),
            MinPrice: Price(10),
            MaxPrice: Price(200_000),
            MarkPrice: random.NextDouble() * 97_000,
            MarkIv: option ? Price(150) : null,
            LastPrice: Maybe(Price(100_000)),
            InterestRate: option ? 0.0 : null,
            IndexPrice: Price(100_000),
            BidIv: option ? Price(150) : null,
            BestBidPrice: Maybe(Price(100_000)),
            BestBidAmount: Price(500),
            BestAskPrice: Maybe(Price(100_000)),
            BestAskAmount: Price(500),
            AskIv: option ? Price(150) : null,
            Currency: instrument.Currency,
            Maturity: instrument.Maturity,
            Strike: instrument.Strike,
            Type: instrument.Type,
            Kind: instrument.Kind,
            UnderlyingIndex: instrument.UnderlyingIndex,
            EstimatedDeliveryPrice: Price(100_000),
            State: "open",
            Delta: option ? random.NextDouble() - 0.5 : null,
            Gamma: option ? random.NextDouble() / 10_000 : null,
            Vega: option ? Price(200) : null,
            Theta: option ? -Price(200) : null,
            Rho: option ? Price(20) : null,
            StatsVolume: Price(10_000),
            StatsPriceChange: Maybe(Math.Round((random.NextDouble() - 0.5) * 20, 4)),
            StatsLow: Maybe(Price(100_000)),
            StatsHigh: Maybe(Price(100_000)),
            ReceivedAt: DateTime.UnixEpoch.AddMilliseconds(receivedAtMs));

        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("timestamp", timestamp);
            json.WriteStartObject("stats");
            Number(json, "volume_usd", expected.StatsVolume * 3);
            Number(json, "volume", expected.StatsVolume);
            Number(json, "price_change", expected.StatsPriceChange);
            Number(json, "low", expected.StatsLow);
            Number(json, "high", expected.StatsHigh);
            json.WriteEndObject();
            json.WriteString("state", expected.State);
            if (!perpetual)
            {
                Number(json, "settlement_price", expected.SettlementPrice);
            }
            else
            {
                json.WriteNumber("funding_8h", 0.00001);
                json.WriteNumber("current_funding", 0);
                json.WriteNumber("interest_value", 0.5);
            }

            Number(json, "open_interest", expected.OpenInterest);
            Number(json, "min_price", expected.MinPrice);
            Number(json, "max_price", expected.MaxPrice);
            Number(json, "mark_price", expected.MarkPrice);
            if (option)
            {
                Number(json, "mark_iv", expected.MarkIv);
            }

            // Deribit sends last_price: null before the first trade; other nulls are simply absent.
            if (expected.LastPrice is null && random.Next(2) == 0)
            {
                json.WriteNull("last_price");
            }
            else
            {
                Number(json, "last_price", expected.LastPrice);
            }

            if (option)
            {
                Number(json, "interest_rate", expected.InterestRate);
            }

            json.WriteString("instrument_name", instrument.Name);
            Number(json, "index_price", expected.IndexPrice);
            if (option)
            {
                json.WriteStartObject("greeks");
                Number(json, "vega", expected.Vega);
                Number(json, "theta", expected.Theta);
                Number(json, "rho", expected.Rho);
                Number(json, "gamma", expected.Gamma);
                Number(json, "delta", expected.Delta);
                json.WriteEndObject();
                Number(json, "bid_iv", expected.BidIv);
                Number(json, "ask_iv", expected.AskIv);
                Number(json, "underlying_price", expected.UnderlyingPrice);
            }

            Number(json, "estimated_delivery_price", expected.EstimatedDeliveryPrice);
            Number(json, "best_bid_price", expected.BestBidPrice);
            Number(json, "best_bid_amount", expected.BestBidAmount);
            Number(json, "best_ask_price", expected.BestAskPrice);
            Number(json, "best_ask_amount", expected.BestAskAmount);
            if (expected.UnderlyingIndex is not null)
            {
                json.WriteString("underlying_index", expected.UnderlyingIndex);
            }

            json.WriteEndObject();
        }

        return new GeneratedTick(instrument.Name, receivedAtMs, buffer.WrittenSpan.ToArray(), expected);
    }

    private static void Number(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
    }

    private static string Code(DateOnly date) => $"{date.Day}{Months[date.Month - 1]}{date.Year % 100:00}";

    private sealed record Instrument(string Name, string? Kind, string? Currency, DateOnly? Maturity, double? Strike, string? Type, string? UnderlyingIndex);
}

/// <summary>One Kafka record to produce and the row it must become.</summary>
public sealed record GeneratedTick(string Key, long ReceivedAtMs, byte[] Payload, ExpectedPrice Expected);
