namespace Laevitas.Streaming.Kafka;

/// <summary>The outcome of ensuring a topic, with the partition count it really has (an existing topic may differ from the configuration).</summary>
public sealed record TopicProvisioningResult(string Topic, TopicProvisioningOutcome Outcome, int Partitions);
