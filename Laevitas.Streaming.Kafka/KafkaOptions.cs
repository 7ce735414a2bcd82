namespace Laevitas.Streaming.Kafka;

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

    /// <summary>
    /// librdkafka properties for every client (producer, consumers, admin), applied over the tuned defaults: what a
    /// real cluster needs, e.g. <c>security.protocol</c>, <c>sasl.mechanism</c>, <c>sasl.username</c>,
    /// <c>ssl.ca.location</c>. Secrets (<c>sasl.password</c>) belong in the environment or a Kubernetes secret
    /// (<c>Kafka__Client__sasl.password</c>), never in a config file.
    /// </summary>
    public Dictionary<string, string> Client { get; set; } = new(StringComparer.Ordinal);

    /// <summary>librdkafka properties for the tick producer only, over the tuned defaults (e.g. <c>linger.ms</c>).</summary>
    public Dictionary<string, string> Producer { get; set; } = new(StringComparer.Ordinal);

    /// <summary>librdkafka properties for the stream's consumers only, over the tuned defaults (e.g. <c>fetch.wait.max.ms</c>).</summary>
    public Dictionary<string, string> Consumer { get; set; } = new(StringComparer.Ordinal);
}
