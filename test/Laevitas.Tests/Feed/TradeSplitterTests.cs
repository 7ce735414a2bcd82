using System.Text;
using System.Text.Json;
using Laevitas.Feed;
using Laevitas.Grains.Abstractions.Trades;
using Laevitas.Tests.Recordings;

namespace Laevitas.Tests.Feed;

/// <summary>
/// The feed's decoding of <c>trades.*</c> notifications, over the real recorded ones (Fixtures/deribit, sources in
/// its README): one raw trade per element of the <c>data</c> array, its bytes exactly as the exchange sent them.
/// </summary>
public class TradeSplitterTests
{
    [Fact]
    public void EveryRecordedTradeNotificationSplitsIntoOneTradePerElementKeptByteForByte()
    {
        var recordings = DeribitRecordings.Trades();
        // The recordings this test is about (2 nautilus_trader, 3 tardis-node): a missing fixture must fail it.
        Assert.Equal(5, recordings.Count);
        var total = 0;
        foreach (var recording in recordings)
        {
            var directory = new ChannelDirectory();
            directory.Add(recording.Channel, recording.Channel);
            var message = Encoding.UTF8.GetBytes(recording.Frame);

            var frame = new TickDecoder(directory).Decode(message, 4321, out var tick);
            Assert.Null(tick);
            Assert.Equal(FrameKind.Trades, frame.Kind);

            var trades = new List<RawTrade>();
            var unusable = TradeSplitter.Split(message.AsSpan(frame.DataStart, frame.DataLength), 4321, trades, out var problem);
            Array.Fill(message, (byte)'x'); // the receive buffer is reused; the trades must not see it

            Assert.Equal(0, unusable);
            Assert.Equal(FrameProblem.None, problem);
            using var data = JsonDocument.Parse(recording.Data);
            var elements = data.RootElement.EnumerateArray().ToList();
            Assert.Equal(elements.Count, trades.Count);
            for (var i = 0; i < elements.Count; i++)
            {
                var expected = elements[i];
                var trade = trades[i];
                Assert.Equal(expected.GetRawText(), Encoding.UTF8.GetString(trade.Payload));
                Assert.Equal(expected.GetProperty("instrument_name").GetString(), trade.InstrumentName);
                Assert.Equal(expected.GetProperty("trade_id").GetString(), trade.TradeId);
                Assert.Equal(expected.GetProperty("trade_seq").GetInt64(), trade.TradeSeq);
                Assert.Equal(expected.GetProperty("timestamp").GetInt64(), trade.Timestamp);
                Assert.Equal(4321, trade.ReceivedAtMs);
            }

            total += trades.Count;
        }

        // 2 + 1 (combo, its legs inside it) + 2 + 1 + 1.
        Assert.Equal(7, total);
    }

    [Fact]
    public void AMarketWideNotificationHoldingSeveralInstrumentsSplitsInOrderAndKeepsAComboTradeWhole()
    {
        // The recorded trades of two instruments, in one trades.any.BTC.100ms array as a market-wide channel sends them.
        var elements = DeribitRecordings.Trades()
            .Where(r => r.Source == "nautilus-trader.jsonl")
            .SelectMany(r => JsonDocument.Parse(r.Data).RootElement.EnumerateArray().Select(e => e.GetRawText()))
            .ToList();
        Assert.Equal(3, elements.Count);
        const string channel = "trades.any.BTC.100ms";
        var message = Encoding.UTF8.GetBytes(
            """{"jsonrpc":"2.0","method":"subscription","params":{"channel":""" + $"\"{channel}\"" + ""","data":[""" + string.Join(",", elements) + "]}}");
        var directory = new ChannelDirectory();
        directory.Add(channel, channel);

        var frame = new TickDecoder(directory).Decode(message, 1, out _);
        var trades = new List<RawTrade>();
        var unusable = TradeSplitter.Split(message.AsSpan(frame.DataStart, frame.DataLength), 1, trades, out _);

        Assert.Equal(0, unusable);
        Assert.Equal(["BTC-PERPETUAL", "BTC-PERPETUAL", "BTC-CS-19MAY26-70000_75000"], trades.Select(t => t.InstrumentName));
        Assert.Equal(elements, trades.Select(t => Encoding.UTF8.GetString(t.Payload)));
        // The combo's legs (trades of other instruments, with ids of their own) stay inside the combo trade.
        Assert.Equal("244365193", trades[2].TradeId);
        Assert.Contains("\"legs\":[", Encoding.UTF8.GetString(trades[2].Payload), StringComparison.Ordinal);
    }

    [Fact]
    public void UnusableTradesAreLeftOutAndCountedAndTheirNeighboursStillGoOn()
    {
        const string good1 = """{"trade_seq":1,"trade_id":"10","timestamp":1700000000000,"instrument_name":"BTC-PERPETUAL","price":1,"amount":10}""";
        const string good2 = """{"trade_seq":2,"trade_id":"11","timestamp":1700000000001,"instrument_name":"BTC-PERPETUAL","price":2,"amount":10,"legs":[{"trade_id":{"x":1}}]}""";
        var data = "[" + string.Join(",",
            good1,
            "42",
            """{"trade_seq":3,"timestamp":1700000000002,"instrument_name":"BTC-PERPETUAL"}""",
            """{"trade_seq":4,"trade_id":"12","timestamp":"soon","instrument_name":"BTC-PERPETUAL","x":{"y":[1,2]}}""",
            """{"instrument_name":{"nested":[1]},"trade_id":"13","timestamp":1}""",
            "[1,[2]]",
            good2) + "]";

        var trades = new List<RawTrade>();
        var unusable = TradeSplitter.Split(Encoding.UTF8.GetBytes(data), 7, trades, out var first);

        Assert.Equal(5, unusable);
        Assert.Equal(FrameProblem.WrongType, first);
        Assert.Equal([good1, good2], trades.Select(t => Encoding.UTF8.GetString(t.Payload)));
        Assert.Equal([1L, 2L], trades.Select(t => t.TradeSeq!.Value));
    }

    [Fact]
    public void ATradeWithoutTradeSeqIsKeptWithoutOne()
    {
        const string trade = """{"trade_id":"ETH-1","timestamp":1700000000000,"instrument_name":"ETH-PERPETUAL","price":1}""";
        var trades = new List<RawTrade>();

        var unusable = TradeSplitter.Split(Encoding.UTF8.GetBytes("[" + trade + "]"), 7, trades, out _);

        Assert.Equal(0, unusable);
        Assert.Null(Assert.Single(trades).TradeSeq);
    }

    [Fact]
    public void TradesOnAChannelNotSubscribedAreAnUnknownChannel()
    {
        var directory = new ChannelDirectory();
        directory.Add("trades.option.BTC.100ms", "trades.option.BTC.100ms");
        var message = Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","method":"subscription","params":{"channel":"trades.future.BTC.100ms","data":[]}}""");

        var frame = new TickDecoder(directory).Decode(message, 0, out _);

        Assert.Equal(FrameKind.Unusable, frame.Kind);
        Assert.Equal(FrameProblem.UnknownChannel, frame.Problem);
    }
}
