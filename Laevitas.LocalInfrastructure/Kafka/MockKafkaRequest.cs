namespace Laevitas.LocalInfrastructure.Kafka;

/// <summary>One request a mock broker received while request tracking was on.</summary>
/// <param name="BrokerId">The broker that received it.</param>
/// <param name="ApiKey">Its type (values outside <see cref="KafkaApiKey"/>'s names are possible).</param>
/// <param name="TimestampMicroseconds">librdkafka's monotonic clock when it arrived; only differences are meaningful.</param>
public readonly record struct MockKafkaRequest(int BrokerId, KafkaApiKey ApiKey, long TimestampMicroseconds);
