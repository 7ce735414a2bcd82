namespace Laevitas.Streaming.Kafka.Providers;

/// <summary>
/// What this silo's receiver of one partition knows. <see cref="CommittedOffset"/> is the offset stored for commit
/// (everything below it is in PostgreSQL); <see cref="Lag"/> is the high watermark minus that offset;
/// <see cref="TicksExpired"/> counts offsets the broker had already deleted (retention) when the receiver reached them.
/// </summary>
public sealed record KafkaPartitionStatus(
    int Partition,
    bool Assigned,
    long? CommittedOffset,
    long? HighWatermark,
    long? Lag,
    long TicksRead,
    long BatchesRead,
    bool CommitsHalted,
    long TicksExpired);
