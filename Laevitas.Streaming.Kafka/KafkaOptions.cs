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

    /// <summary>
    /// Topic of raw trades (one record per trade, the trade object as received; keyed by instrument name), created at
    /// start like <see cref="Topic"/> and read by its own stream provider. Empty ⇒ <c>{Topic}-trades</c>
    /// (<c>deribit-trades</c> by default). Its own topic, not the ticker's: a trade and a ticker are different records
    /// for different tables, and each topic's writers then parse one shape only.
    /// </summary>
    public string TradesTopic { get; set; } = "";

    /// <summary>The trades topic's name: <see cref="TradesTopic"/>, or <c>{Topic}-trades</c> when it is empty.</summary>
    public string TradesTopicName => string.IsNullOrWhiteSpace(TradesTopic) ? Topic + "-trades" : TradesTopic;

    /// <summary>
    /// Topic where the tick writers set aside records they can never store (not a tick, absurd, too large), with the
    /// reason in a header, so their partition moves on. Created like <see cref="Topic"/>. Empty ⇒ <c>{Topic}-dead-letter</c>.
    /// </summary>
    public string DeadLetterTopic { get; set; } = "";

    /// <summary>The dead-letter topic's name: <see cref="DeadLetterTopic"/>, or <c>{Topic}-dead-letter</c> when it is empty.</summary>
    public string DeadLetterTopicName => string.IsNullOrWhiteSpace(DeadLetterTopic) ? Topic + "-dead-letter" : DeadLetterTopic;

    /// <summary>These options with <see cref="Topic"/> replaced, e.g. to provision the dead-letter topic like the tick topic.</summary>
    public KafkaOptions WithTopic(string topic) => new()
    {
        BootstrapServers = BootstrapServers,
        Topic = topic,
        TradesTopic = TradesTopicName,
        // The dead-letter topic stays the one of the original options (trades set aside go next to ticks; the
        // source header tells them apart), not "{topic}-dead-letter".
        DeadLetterTopic = DeadLetterTopicName,
        Partitions = Partitions,
        ReplicationFactor = ReplicationFactor,
        Client = Client,
        Producer = Producer,
        Consumer = Consumer,
    };

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
