namespace Laevitas.Streaming.Kafka;

/// <summary>What <see cref="KafkaTopicProvisioner.EnsureTopicAsync"/> found or did.</summary>
public enum TopicProvisioningOutcome
{
    /// <summary>The topic was missing and has been created with the configured partitions.</summary>
    Created,

    /// <summary>The topic was there already (possibly created concurrently by another silo); left as it is.</summary>
    AlreadyExisted,
}
