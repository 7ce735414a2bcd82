using Confluent.Kafka;

namespace Laevitas.Streaming.Kafka.Native;

/// <summary>
/// Empties a Kafka producer's queue so its messages come back through the delivery handler (librdkafka's
/// <c>rd_kafka_purge</c>, which Confluent.Kafka does not expose). Used at shutdown when the broker is away, so
/// the publisher can keep the ticks in its spool instead of losing them with the producer.
/// </summary>
public interface IProducerQueuePurger
{
    /// <summary>Purges queued and in-flight messages; false when it cannot (the caller then counts them lost).</summary>
    bool TryPurge(IClient producer);
}
