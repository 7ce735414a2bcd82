using System.Buffers;
using System.Text.Json;

namespace Laevitas.DeribitSimulator.Protocol;

/// <summary>
/// Serializes one message at a time into a reusable buffer and hands out an exact-size copy rented from the array
/// pool. Not thread-safe: one per writer (the tick engine, each connection's request loop).
/// </summary>
internal sealed class FrameBuilder
{
    private readonly ArrayBufferWriter<byte> buffer = new(4096);
    private readonly Utf8JsonWriter writer;

    public FrameBuilder()
    {
        // Validation costs time on every token; the writers here are fixed code paths, not user input.
        writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
    }

    public Utf8JsonWriter Begin()
    {
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        return writer;
    }

    public OutboundFrame Finish(FrameKind kind = FrameKind.Text, Subscriber? subscriber = null, long timestamp = 0)
    {
        writer.Flush();
        var written = buffer.WrittenSpan;
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

    /// <summary>
    /// A subscription notification, <c>{"jsonrpc":"2.0","method":"subscription","params":{"channel":…,"data":{…}}}</c>,
    /// for the rare ones sent off the hot paths (platform_state, instrument.state); <paramref name="writeData"/> writes
    /// the data object's properties.
    /// </summary>
    public static OutboundFrame Notification(string channel, Action<Utf8JsonWriter> writeData)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteNotification(writer, channel, writeData);
        }

        return FromBytes(buffer.WrittenSpan);
    }

    /// <summary>Writes a subscription notification's envelope around the data object's properties.</summary>
    public static void WriteNotification(Utf8JsonWriter writer, string channel, Action<Utf8JsonWriter> writeData)
    {
        writer.WriteStartObject();
        writer.WriteString("jsonrpc", "2.0");
        writer.WriteString("method", "subscription");
        writer.WriteStartObject("params");
        writer.WriteString("channel", channel);
        writer.WriteStartObject("data");
        writeData(writer);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
