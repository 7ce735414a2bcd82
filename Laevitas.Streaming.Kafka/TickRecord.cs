using System.Buffers.Text;
using Confluent.Kafka;

namespace Laevitas.Streaming.Kafka;

/// <summary>
/// The record format of the tick topic, shared by the publisher and whatever reads the topic: key = instrument name
/// (UTF-8), value = the ticker's <c>data</c> JSON unchanged (it carries the exchange timestamp), record timestamp =
/// when the silo read the tick off the socket (Unix ms, CreateTime). No headers.
/// </summary>
/// <remarks>
/// Until 2026-12 the record timestamp was the exchange timestamp and the receive time went in a header
/// <see cref="LegacyReceivedAtHeader"/>. That repeated what the value already holds and cost every record a header
/// on both ends, a noticeable share of the silo's allocations under load (Headers, its list, the header and its
/// bytes, the name string on each read; the figure: bench/results.md, "Tick record header"). Records in the old
/// format are still read correctly.
/// </remarks>
public static class TickRecord
{
    /// <summary>Header of the earlier format: the silo's receive time, Unix ms, as ASCII decimal digits.</summary>
    public const string LegacyReceivedAtHeader = "received_at_ms";

    /// <summary>The record timestamp for a tick read at <paramref name="receivedAtMs"/> (0: unknown, the producer stamps it).</summary>
    public static Timestamp TimestampFor(long receivedAtMs) =>
        receivedAtMs > 0 ? new Timestamp(receivedAtMs, TimestampType.CreateTime) : Timestamp.Default;

    /// <summary>
    /// When the silo read the record's tick: the legacy header if the record has one, else the record timestamp. On a
    /// topic configured with <c>message.timestamp.type=LogAppendTime</c> the broker replaces the timestamp with its own
    /// append time, which is later by the publishing delay (milliseconds normally, longer for ticks replayed from the
    /// spool); <see cref="IsBrokerTime"/> tells such records apart.
    /// </summary>
    public static long ReceivedAtMs(Timestamp timestamp, Headers? headers)
    {
        if (headers is { Count: > 0 } && headers.TryGetLastBytes(LegacyReceivedAtHeader, out var bytes)
            && Utf8Parser.TryParse(bytes, out long legacy, out var consumed) && consumed == bytes.Length)
        {
            return legacy;
        }

        return timestamp.Type == TimestampType.NotAvailable ? 0 : timestamp.UnixTimestampMs;
    }

    /// <summary>True when the broker, not the silo, set the record timestamp (a LogAppendTime topic).</summary>
    public static bool IsBrokerTime(Timestamp timestamp) => timestamp.Type == TimestampType.LogAppendTime;
}
