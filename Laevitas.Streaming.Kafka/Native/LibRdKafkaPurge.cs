using System.Runtime.InteropServices;

namespace Laevitas.Streaming.Kafka.Native;

/// <summary>
/// <c>rd_kafka_purge</c>, the one librdkafka function the producer path needs that Confluent.Kafka does not expose.
/// Bound to the very librdkafka that Confluent.Kafka loaded (see <see cref="LibRdKafkaLoader"/>).
/// </summary>
internal static partial class LibRdKafkaPurge
{
    /// <summary><c>rd_kafka_purge</c> flags: messages still queued, and messages sent but not acknowledged.</summary>
    internal const int PurgeQueue = 0x1;
    internal const int PurgeInFlight = 0x2;

    static LibRdKafkaPurge() => LibRdKafkaLoader.EnsureResolverRegistered(typeof(LibRdKafkaPurge).Assembly);

    /// <summary>Purged messages are reported to the delivery callback with ERR__PURGE_QUEUE / ERR__PURGE_INFLIGHT.</summary>
    [LibraryImport(LibRdKafkaLoader.LibraryName, EntryPoint = "rd_kafka_purge")]
    internal static partial int Purge(nint rk, int flags);
}
