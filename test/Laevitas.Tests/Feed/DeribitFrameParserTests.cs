using System.Text;
using Laevitas.Feed;

namespace Laevitas.Tests.Feed;

public class DeribitFrameParserTests
{
    private const string Data =
        """{"timestamp":1700000000123,"stats":{"volume":1.5,"price_change":null,"low":1,"high":2},"state":"open","instrument_name":"BTC-27DEC24-100000-C","greeks":{"delta":0.5,"gamma":0,"vega":1,"theta":-1,"rho":0.1},"mark_price":0.05}""";

    [Fact]
    public void TickerNotificationYieldsNameTimestampAndExactPayloadBytes()
    {
        var message = Utf8($$$"""{"jsonrpc":"2.0","method":"subscription","params":{"channel":"ticker.BTC-27DEC24-100000-C.100ms","data":{{{Data}}}}}""");

        var frame = DeribitFrameParser.Parse(message);

        Assert.Equal(FrameKind.Tick, frame.Kind);
        Assert.Equal(1700000000123, frame.Timestamp);
        Assert.Equal("BTC-27DEC24-100000-C", Encoding.UTF8.GetString(message, frame.NameStart, frame.NameLength));
        Assert.Equal(Data, Encoding.UTF8.GetString(message, frame.DataStart, frame.DataLength));
    }

    [Fact]
    public void PropertyOrderDoesNotMatter()
    {
        var message = Utf8($$"""{"params":{"data":{{Data}},"channel":"ticker.BTC-27DEC24-100000-C.raw"},"method":"subscription","jsonrpc":"2.0"}""");

        var frame = DeribitFrameParser.Parse(message);

        Assert.Equal(FrameKind.Tick, frame.Kind);
        Assert.Equal(Data, Encoding.UTF8.GetString(message, frame.DataStart, frame.DataLength));
    }

    [Fact]
    public void EscapedInstrumentNameIsUnescaped()
    {
        var message = Utf8("""{"method":"subscription","params":{"channel":"ticker.X.100ms","data":{"instrument_name":"BTC\u002DPERPETUAL","timestamp":5}}}""");

        var frame = DeribitFrameParser.Parse(message);

        Assert.Equal(FrameKind.Tick, frame.Kind);
        Assert.Equal("BTC-PERPETUAL", frame.EscapedName);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}}""", FrameKind.TestRequest)]
    [InlineData("""{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"heartbeat"}}""", FrameKind.Heartbeat)]
    [InlineData("""{"jsonrpc":"2.0","id":7,"result":["ticker.BTC-PERPETUAL.100ms"],"usIn":1,"usOut":2,"usDiff":1,"testnet":false}""", FrameKind.Response)]
    public void ControlMessagesAreRecognised(string json, FrameKind expected)
    {
        Assert.Equal(expected, DeribitFrameParser.Parse(Utf8(json)).Kind);
    }

    [Fact]
    public void ErrorResponseCarriesIdCodeAndMessage()
    {
        var frame = DeribitFrameParser.Parse(Utf8("""{"jsonrpc":"2.0","id":42,"error":{"message":"too_many_requests","code":10028}}"""));

        Assert.Equal(FrameKind.Response, frame.Kind);
        Assert.Equal(42, frame.Id);
        Assert.True(frame.HasError);
        Assert.Equal(10028, frame.ErrorCode);
        Assert.Equal("too_many_requests", frame.ErrorMessage);
    }

    [Fact]
    public void ErrorWithoutIdIsStillAResponse()
    {
        var frame = DeribitFrameParser.Parse(Utf8("""{"jsonrpc":"2.0","error":{"message":"request entity too large","code":-32600},"testnet":false}"""));

        Assert.Equal(FrameKind.Response, frame.Kind);
        Assert.False(frame.HasId);
        Assert.Equal(-32600, frame.ErrorCode);
    }

    [Theory]
    [InlineData("""{"method":"subscription","params":{"channel":"ticker.A.100ms","data":{"instrument_name":"A","timestamp":1""", FrameProblem.InvalidJson)]
    [InlineData("""{"method":"subscription",,}""", FrameProblem.InvalidJson)]
    [InlineData("""not json at all""", FrameProblem.InvalidJson)]
    [InlineData("""{"id":1,"result":1} trailing""", FrameProblem.InvalidJson)]
    [InlineData("""[1,2,3]""", FrameProblem.NotAnObject)]
    [InlineData("""{"method":"subscription","params":{"channel":"ticker.A.100ms","data":{"instrument_name":"A","timestamp":"soon"}}}""", FrameProblem.WrongType)]
    [InlineData("""{"method":"subscription","params":{"channel":"ticker.A.100ms","data":{"instrument_name":17,"timestamp":1}}}""", FrameProblem.WrongType)]
    [InlineData("""{"method":"subscription","params":{"channel":"ticker.A.100ms","data":[1,2]}}""", FrameProblem.WrongType)]
    [InlineData("""{"method":"subscription","params":{"channel":42,"data":{}}}""", FrameProblem.WrongType)]
    [InlineData("""{"method":"subscription","params":{"channel":"ticker.A.100ms","data":{"timestamp":1}}}""", FrameProblem.MissingField)]
    [InlineData("""{"method":"subscription","params":{"channel":"book.A.100ms","data":[]}}""", FrameProblem.UnknownChannel)]
    [InlineData("""{"method":"subscription","params":{"channel":"trades.option.BTC.100ms","data":{"trade_id":"1"}}}""", FrameProblem.WrongType)]
    [InlineData("""{"method":"public/surprise","params":{}}""", FrameProblem.UnknownMethod)]
    [InlineData("""{"jsonrpc":"2.0"}""", FrameProblem.MissingField)]
    [InlineData("""{"method":"heartbeat","params":{"type":"party"}}""", FrameProblem.WrongType)]
    public void UnusableMessagesAreClassifiedNotThrown(string json, FrameProblem expected)
    {
        var frame = DeribitFrameParser.Parse(Utf8(json));

        Assert.Equal(FrameKind.Unusable, frame.Kind);
        Assert.Equal(expected, frame.Problem);
    }

    [Fact]
    public void EveryTruncationOfATickIsUnusableNeverAnException()
    {
        var message = Utf8($$$"""{"jsonrpc":"2.0","method":"subscription","params":{"channel":"ticker.BTC-27DEC24-100000-C.100ms","data":{{{Data}}}}}""");
        for (var length = 0; length < message.Length; length++)
        {
            var frame = DeribitFrameParser.Parse(message.AsSpan(0, length));
            Assert.True(frame.Kind == FrameKind.Unusable, $"prefix of {length} bytes parsed as {frame.Kind}");
        }
    }

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}
