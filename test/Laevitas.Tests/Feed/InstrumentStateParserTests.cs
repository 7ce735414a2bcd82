using System.Text;
using Laevitas.Feed;

namespace Laevitas.Tests.Feed;

public class InstrumentStateParserTests
{
    // Deribit's documented example notification for instrument.state.{kind}.{currency} (API v2 documentation; the same
    // text, spacing and tabs included, is in thrasher-corp/gocryptotrader's Deribit websocket tests). The current
    // AsyncAPI page (https://docs.deribit.com/subscriptions/market-data/instrumentstatekindcurrency) shows the same data
    // with state "open". No recording of a live notification was found in public sources.
    private const string Documented =
        "{\"params\" : {\"data\" : {\"timestamp\" : 1553080940000,\"state\" : \"created\",\"instrument_name\" : \"BTC-22MAR19\"},\"channel\" : \"instrument.state.any.any\"},\t\"method\" : \"subscription\",\t\"jsonrpc\" : \"2.0\"  }";

    [Fact]
    public void DocumentedNotificationIsAnInstrumentStateFrameWithNameStateAndTimestamp()
    {
        var message = Encoding.UTF8.GetBytes(Documented);

        var frame = DeribitFrameParser.Parse(message);

        Assert.Equal(FrameKind.InstrumentState, frame.Kind);
        Assert.True(InstrumentStateParser.TryParse(message.AsSpan(frame.DataStart, frame.DataLength), "instrument.state.any.any", out var notification));
        Assert.Equal("BTC-22MAR19", notification.InstrumentName);
        Assert.Equal(ListingState.Created, notification.State);
        Assert.Equal(1553080940000, notification.Timestamp);
        Assert.Equal(("any", "any"), notification.Market());
    }

    [Theory]
    [InlineData("created", ListingState.Created, true, false)]
    [InlineData("started", ListingState.Started, true, false)]
    [InlineData("open", ListingState.Open, true, false)]
    [InlineData("settled", ListingState.Settled, false, false)]
    [InlineData("closed", ListingState.Closed, false, false)]
    [InlineData("deactivated", ListingState.Deactivated, false, true)]
    [InlineData("terminated", ListingState.Terminated, false, true)]
    [InlineData("halted", ListingState.Other, false, false)]
    public void StatesMapToWhatTheFeedDoes(string wire, ListingState state, bool opens, bool ends)
    {
        var data = Encoding.UTF8.GetBytes($$"""{"instrument_name":"BTC-PERPETUAL","state":"{{wire}}","timestamp":1}""");

        Assert.True(InstrumentStateParser.TryParse(data, "instrument.state.future.BTC", out var notification));
        Assert.Equal(state, notification.State);
        Assert.Equal(opens, notification.State.Opens());
        Assert.Equal(ends, notification.State.Ends());
    }

    [Theory]
    [InlineData("""{"state":"created","timestamp":1}""")]
    [InlineData("""{"instrument_name":"","state":"created"}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1}""")]
    [InlineData("""{"instrument_name":7,"state":"created"}""")]
    [InlineData("""[]""")]
    public void NotificationsWithoutNameOrStateAreRefused(string data) =>
        Assert.False(InstrumentStateParser.TryParse(Encoding.UTF8.GetBytes(data), "instrument.state.future.BTC", out _));

    [Fact]
    public void InstrumentStateWithNonObjectDataIsUnusable()
    {
        var frame = DeribitFrameParser.Parse(Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","method":"subscription","params":{"channel":"instrument.state.option.BTC","data":[]}}"""));

        Assert.Equal(FrameKind.Unusable, frame.Kind);
        Assert.Equal(FrameProblem.WrongType, frame.Problem);
    }
}
