using System.Buffers;
using System.Text.Json;

namespace Laevitas.DeribitSimulator.Protocol;

/// <summary>
/// Serializes one message at a time into a reusable buffer and hands out an exact-size copy rented from the array
/// pool. Not thread-safe: one per writer (the tick engine, each connection's request loop).
/// </summary>
internal sealed class FrameBuilder
{
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly Utf8JsonWriter _writer;

    public FrameBuilder()
    {
        // Validation costs time on every token; the writers here are fixed code paths, not user input.
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });
    }

    public Utf8JsonWriter Begin()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        return _writer;
    }

    public OutboundFrame Finish(FrameKind kind = FrameKind.Text, Subscriber? subscriber = null, long timestamp = 0)
    {
        _writer.Flush();
        var written = _buffer.WrittenSpan;
        var rented = ArrayPool<byte>.Shared.Rent(written.Length);
        written.CopyTo(rented);
        return new OutboundFrame(kind, rented, written.Length, subscriber, timestamp);
    }

    /// <summary>A frame holding raw bytes (faults send bytes that are not valid JSON).</summary>
    public static OutboundFrame FromBytes(ReadOnlySpan<byte> bytes, FrameKind kind = FrameKind.Text)
    {
        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(bytes.Length, 1));
        bytes.CopyTo(rented);
        return new OutboundFrame(kind, rented, bytes.Length);
    }
}
