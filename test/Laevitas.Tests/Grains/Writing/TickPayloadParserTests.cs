using System.Text;
using Laevitas.Grains.Writing;

namespace Laevitas.Tests.Grains.Writing;

public class TickPayloadParserTests
{
    private const long ReceivedAt = 1_735_000_000_123;

    [Fact]
    public void OptionTickKeepsEveryFieldAndIsEnriched()
    {
        const string json = """
            {"timestamp":1734998400500,"stats":{"volume_usd":1234.5,"volume":12.25,"price_change":-3.5,"low":0.0215,"high":0.0345},
             "state":"open","settlement_price":0.02971,"open_interest":145.7,"min_price":0.0001,"max_price":0.1,
             "mark_price":0.0275,"mark_iv":55.41,"last_price":0.027,"interest_rate":0.0,"instrument_name":"BTC-27DEC24-100000-C",
             "index_price":97123.45,"greeks":{"vega":12.5,"theta":-45.25,"rho":1.5,"gamma":0.00002,"delta":0.41},
             "estimated_delivery_price":97120.1,"bid_iv":54.2,"best_bid_price":0.0265,"best_bid_amount":10.5,"best_ask_price":0.0285,
             "best_ask_amount":3.0,"ask_iv":56.8,"underlying_price":97200.5,"underlying_index":"BTC-27DEC24"}
            """;

        var row = Parse(json);

        Assert.Equal("BTC-27DEC24-100000-C", row.InstrumentName);
        Assert.Equal(1734998400500, row.Timestamp);
        Assert.Equal(97200.5, row.UnderlyingPrice);
        Assert.Equal(0.02971, row.SettlementPrice);
        Assert.Equal(145.7, row.OpenInterest);
        Assert.Equal(0.0001, row.MinPrice);
        Assert.Equal(0.1, row.MaxPrice);
        Assert.Equal(0.0275, row.MarkPrice);
        Assert.Equal(55.41, row.MarkIv);
        Assert.Equal(0.027, row.LastPrice);
        Assert.Equal(0.0, row.InterestRate);
        Assert.Equal(97123.45, row.IndexPrice);
        Assert.Equal(54.2, row.BidIv);
        Assert.Equal(0.0265, row.BestBidPrice);
        Assert.Equal(10.5, row.BestBidAmount);
        Assert.Equal(0.0285, row.BestAskPrice);
        Assert.Equal(3.0, row.BestAskAmount);
        Assert.Equal(56.8, row.AskIv);
        Assert.Equal(97120.1, row.EstimatedDeliveryPrice);
        Assert.Equal("open", row.State);
        Assert.Equal("BTC-27DEC24", row.UnderlyingIndex);
        Assert.Equal(0.41, row.Delta);
        Assert.Equal(0.00002, row.Gamma);
        Assert.Equal(12.5, row.Vega);
        Assert.Equal(-45.25, row.Theta);
        Assert.Equal(1.5, row.Rho);
        Assert.Equal(12.25, row.StatsVolume);
        Assert.Equal(-3.5, row.StatsPriceChange);
        Assert.Equal(0.0215, row.StatsLow);
        Assert.Equal(0.0345, row.StatsHigh);
        Assert.Equal("BTC", row.Currency);
        Assert.Equal(new DateOnly(2024, 12, 27), row.Maturity);
        Assert.Equal(100000.0, row.Strike);
        Assert.Equal("C", row.Type);
        Assert.Equal("option", row.Kind);
        Assert.Equal(DateTime.UnixEpoch.AddMilliseconds(ReceivedAt), row.ReceivedAt);
        Assert.Equal(DateTimeKind.Utc, row.ReceivedAt!.Value.Kind);
    }

    [Theory]
    [InlineData("BTC-PERPETUAL", "BTC", null, null, null, "perpetual")]
    [InlineData("BTC-27DEC24", "BTC", "2024-12-27", null, null, "future")]
    [InlineData("XRP_USDC-30MAY25-0d625-P", "XRP", "2025-05-30", 0.625, "P", "option")]
    [InlineData("BTC-FS-27DEC24_PERP", "BTC", "2024-12-27", null, null, "future_combo")]
    [InlineData("NOT_AN-INSTRUMENT-NAME-AT-ALL-X", null, null, null, null, null)]
    public void EnrichmentFollowsTheInstrumentName(string name, string? currency, string? maturity, double? strike, string? type, string? kind)
    {
        var row = Parse($$"""{"instrument_name":"{{name}}","timestamp":1734998400000,"mark_price":1.5,"funding_8h":0.0001,"current_funding":0}""");

        Assert.Equal(name, row.InstrumentName);
        Assert.Equal(currency, row.Currency);
        Assert.Equal(maturity is null ? null : DateOnly.Parse(maturity, System.Globalization.CultureInfo.InvariantCulture), row.Maturity);
        Assert.Equal(strike, row.Strike);
        Assert.Equal(type, row.Type);
        Assert.Equal(kind, row.Kind);
        Assert.Equal(1.5, row.MarkPrice);
        Assert.Null(row.Delta);
        Assert.Null(row.StatsVolume);
    }

    [Fact]
    public void NullsAndMissingFieldsStayNull()
    {
        var row = Parse("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400000,"last_price":null,"greeks":null,"stats":{"volume":null},"state":null}""");

        Assert.Null(row.LastPrice);
        Assert.Null(row.StatsVolume);
        Assert.Null(row.State);
        Assert.Null(row.SettlementPrice);
    }

    [Fact]
    public void EscapedNamesAndValuesAreUnderstood()
    {
        var row = Parse("""{"instrument_\u006eame":"BTC\u002dPERPETUAL","t\u0069mestamp":1734998400000,"mark_price":2}""");

        Assert.Equal("BTC-PERPETUAL", row.InstrumentName);
        Assert.Equal(2.0, row.MarkPrice);
    }

    [Theory]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400000,"mark_price":"97000"}""", "MarkPrice")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400000,"mark_price":NaN}""", "malformed")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400000,"mark_price":1e400}""", "MarkPrice")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400000,"greeks":[1,2]}""", "greeks")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400000,"stats":{"high":true}}""", "High")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":"1734998400000"}""", "timestamp")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400000.5}""", "timestamp")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":12}""", "timestamp")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL"}""", "timestamp")]
    [InlineData("""{"timestamp":1734998400000}""", "instrument_name")]
    [InlineData("""{"instrument_name":42,"timestamp":1734998400000}""", "instrument_name")]
    [InlineData("""{"instrument_name":"BTC\u0000X","timestamp":1734998400000}""", "NUL")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400000,"mark_price":1""", "malformed")]
    [InlineData("""[1,2,3]""", "object")]
    [InlineData("""not json""", "malformed")]
    [InlineData("", "malformed")]
    public void UnusableTicksAreRejectedWithAReason(string json, string reasonPart)
    {
        var row = default(DeribitPriceRow);
        var ok = TickPayloadParser.TryParse(Encoding.UTF8.GetBytes(json), ReceivedAt, ref row, out var error);

        Assert.False(ok);
        Assert.NotNull(error);
        Assert.Contains(reasonPart, error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void AnExpiredInstrumentsLastTickerIsKeptWithoutADeliveryPrice()
    {
        // What the exchange (and the simulator) sends as an instrument's final ticker around delivery.
        var row = Parse("""{"instrument_name":"BTC-27DEC24-100000-C","timestamp":1734998400000,"state":"closed","estimated_delivery_price":"expired","mark_price":0.01}""");

        Assert.Equal("closed", row.State);
        Assert.Null(row.EstimatedDeliveryPrice);
        Assert.Equal(0.01, row.MarkPrice);
    }

    [Fact]
    public void ATimestampFarAheadOfReceiptIsRejected()
    {
        var row = default(DeribitPriceRow);
        var dayAhead = ReceivedAt + 86_400_000;
        Assert.True(TickPayloadParser.TryParse(Encoding.UTF8.GetBytes($$"""{"instrument_name":"BTC-PERPETUAL","timestamp":{{dayAhead}}}"""), ReceivedAt, ref row, out _));

        var ok = TickPayloadParser.TryParse(Encoding.UTF8.GetBytes($$"""{"instrument_name":"BTC-PERPETUAL","timestamp":{{dayAhead + 1}}}"""), ReceivedAt, ref row, out var error);

        Assert.False(ok);
        Assert.Contains("after the tick was received", error, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidUtf8IsRejected()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400000,"state":"op_n"}""");
        bytes[Array.IndexOf(bytes, (byte)'_')] = 0xC3; // a lone lead byte
        var row = default(DeribitPriceRow);

        Assert.False(TickPayloadParser.TryParse(bytes, ReceivedAt, ref row, out var error));
        Assert.NotNull(error);
    }

    private static DeribitPriceRow Parse(string json)
    {
        var row = default(DeribitPriceRow);
        var ok = TickPayloadParser.TryParse(Encoding.UTF8.GetBytes(json), ReceivedAt, ref row, out var error);
        Assert.True(ok, error);
        return row;
    }
}
