using System.Buffers.Text;
using Confluent.Kafka;

namespace Laevitas.Grains.Kafka;

/// <summary>
/// The message format of the tick topic, shared by the publisher and whatever reads the topic: key = instrument
/// name (UTF-8), value = the ticker's <c>data</c> JSON unchanged, message timestamp = exchange timestamp (ms,
/// CreateTime), and a header <see cref="ReceivedAtMs"/> with the silo's receive time.
/// </summary>
public static class TickHeaders
{
    /// <summary>When the silo read the tick off the socket, Unix ms, as ASCII decimal digits (readable in kcat).</summary>
    public const string ReceivedAtMs = "received_at_ms";

    public static byte[] EncodeReceivedAt(long receivedAtMs)
    {
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(receivedAtMs, digits, out var written);
        return digits[..written].ToArray();
    }

    /// <summary>Reads the receive time from a message's headers; false when absent or malformed.</summary>
    public static bool TryGetReceivedAt(Headers? headers, out long receivedAtMs)
    {
        receivedAtMs = 0;
        if (headers is null || !headers.TryGetLastBytes(ReceivedAtMs, out var bytes))
        {
            return false;
        }

        return Utf8Parser.TryParse(bytes, out receivedAtMs, out var consumed) && consumed == bytes.Length;
    }
}
