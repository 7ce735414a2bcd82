namespace Laevitas.LocalInfrastructure.Kafka;

/// <summary>
/// Kafka protocol request types (the protocol's ApiKey numbers) that fault injection can target.
/// Only requests the mock cluster answers are listed; it has no handler for CreateTopics and friends.
/// </summary>
public enum KafkaApiKey : short
{
    Produce = 0,
    Fetch = 1,
    ListOffsets = 2,
    Metadata = 3,
    OffsetCommit = 8,
    OffsetFetch = 9,
    FindCoordinator = 10,
    JoinGroup = 11,
    Heartbeat = 12,
    LeaveGroup = 13,
    SyncGroup = 14,
    ApiVersions = 18,
    InitProducerId = 22,
    OffsetForLeaderEpoch = 23,
    AddPartitionsToTxn = 24,
    AddOffsetsToTxn = 25,
    EndTxn = 26,
    TxnOffsetCommit = 28,
    ConsumerGroupHeartbeat = 68,
}
