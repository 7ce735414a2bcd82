using System.Text;
using Laevitas.Grains.Abstractions.Ticks;

namespace Laevitas.Feed;

/// <summary>
/// The per-message work of a receive loop: one parse, the channel looked up among the connection's channels
/// (which yields the instrument's shared name string), a check that the data names the same instrument, and the
/// payload copied out of the reused receive buffer.
/// </summary>
internal sealed class TickDecoder(ChannelDirectory channels)
{
    /// <summary>
    /// Parses a complete message; for a ticker notification on a followed channel also builds the tick. A trades
    /// notification on a followed channel comes back as <see cref="FrameKind.Trades"/>, for <see cref="TradeSplitter"/>, and an
    /// instrument.state one as <see cref="FrameKind.InstrumentState"/>.
    /// </summary>
    public ParsedFrame Decode(ReadOnlySpan<byte> message, long receivedAtMs, out RawTick? tick)
    {
        tick = null;
        var frame = DeribitFrameParser.Parse(message);
        if (frame.Kind is FrameKind.Trades or FrameKind.InstrumentState)
        {
            // A market-wide channel this connection did not subscribe is as unknown as a ticker channel would be.
            var followed = frame.EscapedChannel is { } escapedMarket
                ? channels.Find(escapedMarket)
                : channels.Find(message.Slice(frame.ChannelStart, frame.ChannelLength));
            if (followed is null)
            {
                frame.Kind = FrameKind.Unusable;
                frame.Problem = FrameProblem.UnknownChannel;
            }

            return frame;
        }

        if (frame.Kind != FrameKind.Tick)
        {
            return frame;
        }

        var name = frame.EscapedChannel is { } escapedChannel
            ? channels.Find(escapedChannel)
            : channels.Find(message.Slice(frame.ChannelStart, frame.ChannelLength));
        if (name is null)
        {
            frame.Kind = FrameKind.Unusable;
            frame.Problem = FrameProblem.UnknownChannel;
            return frame;
        }

        if (!NamesMatch(message, ref frame, name))
        {
            frame.Kind = FrameKind.Unusable;
            frame.Problem = FrameProblem.MismatchedInstrument;
            return frame;
        }

        // Copy: the receive buffer is reused for the next message.
        var payload = message.Slice(frame.DataStart, frame.DataLength).ToArray();
        tick = new RawTick(name, frame.Timestamp, receivedAtMs, payload);
        return frame;
    }

    private static bool NamesMatch(ReadOnlySpan<byte> message, ref ParsedFrame frame, string name)
    {
        if (frame.EscapedName is { } escaped)
        {
            return escaped == name;
        }

        var utf8 = message.Slice(frame.NameStart, frame.NameLength);
        // Instrument names are ASCII; compare without transcoding when lengths already agree.
        return utf8.Length == name.Length ? Ascii.Equals(utf8, name) : Encoding.UTF8.GetString(utf8) == name;
    }
}
