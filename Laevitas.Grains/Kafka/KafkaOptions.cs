namespace Laevitas.Grains.Kafka;

/// <summary>
/// The Kafka cluster ticks flow through (configuration section <c>Kafka</c>). Shared by the
/// publisher (grains → topic) and the stream provider (topic → writer grains).
/// </summary>
public sealed class KafkaOptions
{
    public const string SectionName = "Kafka";

    /// <summary>Comma-separated brokers; empty ⇒ the silo starts an embedded in-memory broker.</summary>
    public string BootstrapServers { get; set; } = "";

    /// <summary>Topic of raw ticks; keyed by instrument name.</summary>
    public string Topic { get; set; } = "deribit";

    /// <summary>Partitions to create the topic with when it does not exist (one stream queue each).</summary>
    public int Partitions { get; set; } = 8;

    /// <summary>Replication factor to create the topic with when it does not exist.</summary>
    public short ReplicationFactor { get; set; } = 1;
}
