using Laevitas.Grains.Abstractions.Ticks;

namespace Laevitas.Silo.Feed;

/// <summary>
/// The per-message work of a receive loop: one parse, the instrument name from the cache, the payload copied
/// out of the reused receive buffer. One instance per receive loop (the name cache is not thread-safe).
/// </summary>
internal sealed class TickDecoder
{
    private readonly InstrumentNameCache _names = new();

    /// <summary>Parses a complete message; for a ticker notification also builds the tick.</summary>
    public ParsedFrame Decode(ReadOnlySpan<byte> message, long receivedAtMs, out RawTick? tick)
    {
        var frame = DeribitFrameParser.Parse(message);
        if (frame.Kind != FrameKind.Tick)
        {
            tick = null;
            return frame;
        }

        var name = frame.EscapedName ?? _names.Get(message.Slice(frame.NameStart, frame.NameLength));
        // Copy: the receive buffer is reused for the next message.
        var payload = message.Slice(frame.DataStart, frame.DataLength).ToArray();
        tick = new RawTick(name, frame.Timestamp, receivedAtMs, payload);
        return frame;
    }
}
