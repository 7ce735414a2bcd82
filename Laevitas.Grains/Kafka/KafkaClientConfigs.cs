using Confluent.Kafka;

namespace Laevitas.Grains.Kafka;

/// <summary>
/// Tuned librdkafka client settings shared by everything that talks to the tick topic, so producers and
/// consumers agree and tuning happens in one place. Callers may adjust the returned objects further.
/// </summary>
/// <remarks>Figures behind the choices: <c>dotnet run -c Release --project bench/Laevitas.Bench -- kafka</c>.</remarks>
public static class KafkaClientConfigs
{
    /// <summary>
    /// Producer for ticks: idempotent (no duplicates or reordering on retries within a partition), every
    /// in-sync replica acknowledges, small linger so batches form under load without adding visible latency.
    /// </summary>
    public static ProducerConfig Producer(KafkaOptions options, string clientId)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new ProducerConfig
        {
            BootstrapServers = options.BootstrapServers,
            ClientId = clientId,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            // Bigger batches also make reading cheaper: a fetch returns whole batches.
            BatchNumMessages = 10_000,
            BatchSize = 1_000_000,
            // Ticker JSON is repetitive; lz4 compresses it well at little CPU.
            CompressionType = CompressionType.Lz4,
            // librdkafka's own queue is bounded; the publisher in front of it keeps the longer, accounted backlog.
            QueueBufferingMaxMessages = 200_000,
            QueueBufferingMaxKbytes = 256 * 1024,
            SocketNagleDisable = true,
            // Only the topic provisioner creates topics, with the configured partition count.
            AllowAutoCreateTopics = false,
        };
    }

    /// <summary>
    /// Consumer for ticks: offsets are committed explicitly, only after the rows are stored (no auto commit,
    /// no auto offset store); a new group starts at the oldest retained tick; fetches are large and
    /// pre-fetched so reading is never the bottleneck.
    /// </summary>
    public static ConsumerConfig Consumer(KafkaOptions options, string groupId, string clientId)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(groupId);
        return new ConsumerConfig
        {
            BootstrapServers = options.BootstrapServers,
            GroupId = groupId,
            ClientId = clientId,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = false,
            AllowAutoCreateTopics = false,
            FetchWaitMaxMs = 100,
            FetchMinBytes = 1,
            MaxPartitionFetchBytes = 4 * 1024 * 1024,
            FetchMaxBytes = 64 * 1024 * 1024,
            QueuedMinMessages = 100_000,
            QueuedMaxMessagesKbytes = 128 * 1024,
            SocketNagleDisable = true,
        };
    }

    /// <summary>Admin client (topic provisioning, metadata); never creates topics implicitly.</summary>
    public static AdminClientConfig Admin(KafkaOptions options, string clientId)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = new AdminClientConfig
        {
            BootstrapServers = options.BootstrapServers,
            ClientId = clientId,
        };
        // An admin client is a producer underneath: without this a metadata lookup would auto-create the topic
        // with the broker's default partition count.
        config.Set("allow.auto.create.topics", "false");
        return config;
    }
}
