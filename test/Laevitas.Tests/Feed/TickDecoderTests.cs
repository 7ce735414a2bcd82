using System.Text;
using Laevitas.Feed;

namespace Laevitas.Tests.Feed;

public class TickDecoderTests
{
    private const string Name = "ETH-PERPETUAL";
    private const string Channel = "ticker.ETH-PERPETUAL.100ms";

    [Fact]
    public void TickOnAFollowedChannelCarriesACopyOfThePayloadAndTheSharedName()
    {
        var directory = new ChannelDirectory();
        var name = new string(Name.AsSpan());
        directory.Add(Channel, name);
        var message = Notification(Channel, Name);

        var frame = new TickDecoder(directory).Decode(message, 1234, out var tick);
        var payload = Encoding.UTF8.GetString(tick!.Payload);
        Array.Fill(message, (byte)'x'); // the receive buffer is reused; the tick must not see it

        Assert.Equal(FrameKind.Tick, frame.Kind);
        Assert.Same(name, tick.InstrumentName);
        Assert.Equal(1700000000000, tick.Timestamp);
        Assert.Equal(1234, tick.ReceivedAtMs);
        Assert.Equal("""{"instrument_name":"ETH-PERPETUAL","timestamp":1700000000000,"mark_price":3500.5}""", payload);
        Assert.Equal(payload, Encoding.UTF8.GetString(tick.Payload));
    }

    [Fact]
    public void TickOnAChannelNotFollowedIsAnUnknownChannel()
    {
        var directory = new ChannelDirectory();
        directory.Add(Channel, Name);

        var frame = new TickDecoder(directory).Decode(Notification("ticker.BTC-PERPETUAL.100ms", "BTC-PERPETUAL"), 0, out var tick);

        Assert.Null(tick);
        Assert.Equal(FrameKind.Unusable, frame.Kind);
        Assert.Equal(FrameProblem.UnknownChannel, frame.Problem);
    }

    [Fact]
    public void DataNamingAnotherInstrumentThanTheChannelIsRejected()
    {
        var directory = new ChannelDirectory();
        directory.Add(Channel, Name);

        var frame = new TickDecoder(directory).Decode(Notification(Channel, "BTC-PERPETUAL"), 0, out var tick);

        Assert.Null(tick);
        Assert.Equal(FrameProblem.MismatchedInstrument, frame.Problem);
    }

    private static byte[] Notification(string channel, string instrument) => Encoding.UTF8.GetBytes(
        """{"jsonrpc":"2.0","method":"subscription","params":{"channel":""" + $"\"{channel}\"" +
        ""","data":{"instrument_name":""" + $"\"{instrument}\"" + ""","timestamp":1700000000000,"mark_price":3500.5}}}""");
}
