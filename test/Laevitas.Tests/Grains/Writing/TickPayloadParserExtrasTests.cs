using System.Text;
using System.Text.Json.Nodes;
using Laevitas.Grains.Abstractions.History;
using Laevitas.Grains.Writing;
using Laevitas.Tests.Recordings;

namespace Laevitas.Tests.Grains.Writing;

/// <summary>
/// The writer's parser keeps what has no column (<c>extra</c>) and records which fields were sent
/// (<c>fields_present</c>). The payloads here are made up to exercise cases no recording has (a field Deribit might
/// add, a nested one, greeks sent as null); the real recordings go through <see cref="EndToEnd.RecordedTickersThroughThePipelineTests"/>.
/// </summary>
public class TickPayloadParserExtrasTests
{
    private const long ReceivedAt = 1_735_000_000_123;

    [Fact]
    public void FieldsWithoutAColumnAreKeptAsSentIncludingNestedOnes()
    {
        var row = Parse("""
            {"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"future_field":{"a":[1,2.50,"x"]},"mark_price":97000.5,
             "stats":{"volume":1.5,"volume_fancy":3e2,"high":null},"note":"hé \"quoted\"","greeks":null}
            """);

        Assert.Equal(97000.5, row.MarkPrice);
        Assert.Equal(1.5, row.StatsVolume);
        var extra = JsonNode.Parse(row.Extra!)!.AsObject();
        Assert.Equal(["future_field", "stats", "note", "greeks"], extra.Select(p => p.Key));
        // Raw text as sent: 2.50 keeps its zero, 3e2 its exponent.
        Assert.Equal("""{"a":[1,2.50,"x"]}""", extra["future_field"]!.ToJsonString());
        Assert.Equal("""{"volume_fancy":3e2}""", extra["stats"]!.ToJsonString());
        Assert.Equal("hé \"quoted\"", extra["note"]!.GetValue<string>());
        Assert.Null(extra["greeks"]);
        Assert.True(extra.ContainsKey("greeks"));
    }

    [Fact]
    public void FieldsPresentTellsNullFromAbsent()
    {
        var row = Parse("""{"instrument_name":"BTC-27DEC24-100000-C","timestamp":1734998400500,"last_price":null,"stats":{"low":null}}""");

        var mask = row.FieldsPresent;
        Assert.True(TickerFields.IsPresent(mask, TickerField.LastPrice));
        Assert.True(TickerFields.IsPresent(mask, TickerField.Stats));
        Assert.True(TickerFields.IsPresent(mask, TickerField.StatsLow));
        Assert.False(TickerFields.IsPresent(mask, TickerField.StatsHigh));
        Assert.False(TickerFields.IsPresent(mask, TickerField.MarkPrice));
        Assert.False(TickerFields.IsPresent(mask, TickerField.Greeks));
        Assert.Equal(
            (1L << (int)TickerField.InstrumentName) | (1L << (int)TickerField.Timestamp) | (1L << (int)TickerField.LastPrice)
            | (1L << (int)TickerField.Stats) | (1L << (int)TickerField.StatsLow),
            mask);
        Assert.Null(row.Extra);
    }

    [Fact]
    public void EveryRecordedTickerParsesWithItsNewFieldsAndCurrencies()
    {
        var parsed = 0;
        foreach (var recording in DeribitRecordings.Tickers())
        {
            var row = Parse(recording.Data, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            var data = JsonNode.Parse(recording.Data)!.AsObject();
            Assert.Equal(data["delivery_price"]?.GetValue<double>(), row.DeliveryPrice);
            Assert.Equal(data["funding_8h"]?.GetValue<double>(), row.Funding8h);
            Assert.Equal(data["implied_bid"]?.GetValue<double>(), row.ImpliedBid);
            Assert.Equal(data["combo_state"]?.GetValue<string>(), row.ComboState);
            Assert.Equal(data["stats"]?["volume_usd"]?.GetValue<double>(), row.StatsVolumeUsd);
            Assert.NotNull(row.SettlementCurrency);
            parsed++;
        }

        Assert.Equal(11, parsed);
    }

    [Fact]
    public void InverseAndLinearOptionsOfOneCurrencyAreToldApart()
    {
        var inverse = Parse("""{"instrument_name":"BTC-27DEC24-100000-C","timestamp":1734998400500}""");
        var linear = Parse("""{"instrument_name":"BTC_USDC-27DEC24-100000-C","timestamp":1734998400500}""");
        var future = Parse("""{"instrument_name":"BTC-27DEC24","timestamp":1734998400500}""");
        var spot = Parse("""{"instrument_name":"ETH_USDT","timestamp":1734998400500}""");

        Assert.Equal(("BTC", "BTC", "BTC"), (inverse.Currency, inverse.QuoteCurrency, inverse.SettlementCurrency));
        Assert.Equal(("BTC", "USDC", "USDC"), (linear.Currency, linear.QuoteCurrency, linear.SettlementCurrency));
        Assert.Equal(("BTC", "USD", "BTC"), (future.Currency, future.QuoteCurrency, future.SettlementCurrency));
        Assert.Equal(("ETH", "USDT", "USDT"), (spot.Currency, spot.QuoteCurrency, spot.SettlementCurrency));
    }

    private static DeribitPriceRow Parse(string json, long receivedAt = ReceivedAt)
    {
        var row = default(DeribitPriceRow);
        var ok = TickPayloadParser.TryParse(Encoding.UTF8.GetBytes(json), receivedAt, ref row, out var error);
        Assert.True(ok, error);
        return row;
    }
}
