using System.Text.Json;
using Laevitas.DeribitSimulator.Universe;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.EndToEnd;

/// <summary>
/// The <c>deribit_prices</c> row a ticker notification must become, built by the test on its own: the values from the
/// notification's JSON as the exchange sent it, the enrichment from the simulator's listing of the instrument (not
/// from the production name parser, so the two are checked against each other).
/// </summary>
public static class ExpectedRow
{
    public static ExpectedPrice FromNotification(JsonElement data, SimInstrument listing)
    {
        double? D(JsonElement parent, string name) =>
            parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number
                ? v.GetDouble()
                : null;
        string? S(string name) => data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var greeks = data.TryGetProperty("greeks", out var g) ? g : default;
        var stats = data.TryGetProperty("stats", out var s) ? s : default;
        var option = listing.Kind == InstrumentKind.Option;

        return new ExpectedPrice(
            data.GetProperty("instrument_name").GetString()!,
            D(data, "underlying_price"),
            data.GetProperty("timestamp").GetInt64(),
            D(data, "settlement_price"),
            D(data, "open_interest"),
            D(data, "min_price"),
            D(data, "max_price"),
            D(data, "mark_price"),
            D(data, "mark_iv"),
            D(data, "last_price"),
            D(data, "interest_rate"),
            D(data, "index_price"),
            D(data, "bid_iv"),
            D(data, "best_bid_price"),
            D(data, "best_bid_amount"),
            D(data, "best_ask_price"),
            D(data, "best_ask_amount"),
            D(data, "ask_iv"),
            Currency: listing.BaseCurrency,
            Maturity: listing.IsPerpetual ? null : DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(listing.ExpirationTimestamp).UtcDateTime),
            Strike: option ? listing.Strike : null,
            Type: listing.OptionType switch { "call" => "C", "put" => "P", _ => null },
            Kind: listing.IsPerpetual ? "perpetual" : listing.KindName,
            UnderlyingIndex: S("underlying_index"),
            EstimatedDeliveryPrice: D(data, "estimated_delivery_price"),
            State: S("state"),
            Delta: D(greeks, "delta"),
            Gamma: D(greeks, "gamma"),
            Vega: D(greeks, "vega"),
            Theta: D(greeks, "theta"),
            Rho: D(greeks, "rho"),
            StatsVolume: D(stats, "volume"),
            StatsPriceChange: D(stats, "price_change"),
            StatsLow: D(stats, "low"),
            StatsHigh: D(stats, "high"),
            ReceivedAt: null);
    }
}
