using Confluent.Kafka;

namespace Laevitas.Streaming.Kafka;

/// <summary>
/// Tuned librdkafka client settings shared by everything that talks to the tick topic, so producers and
/// consumers agree and tuning happens in one place. Callers may adjust the returned objects further.
/// </summary>
/// <remarks>Figures behind the choices: <c>dotnet run -c Release --project bench/Laevitas.Bench -- kafka</c>.</remarks>
public static class KafkaClientConfigs
{
    /// <summary>
    /// Producer for ticks: idempotent (no duplicates or reordering on retries within a partition), every
    /// in-sync replica acknowledges, a linger short beside the stream's batch wait so batches form at any rate.
    /// </summary>
    public static ProducerConfig Producer(KafkaOptions options, string clientId)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = new ProducerConfig
        {
            BootstrapServers = options.BootstrapServers,
            ClientId = clientId,
            EnableIdempotence = true,
            Acks = Acks.All,
            // A tick waits up to 25 ms for others of its partition: at 10,000 ticks/s over 8 partitions that makes
            // batches of ~30 instead of ~6. With lz4 (below) the silo spent less CPU per tick at that rate than with
            // 5 ms and zstd (the profile showed librdkafka's per-batch work on top; the figures: bench/results.md,
            // "Kafka client settings"). Small beside the stream's batch wait.
            LingerMs = 25,
            // Bigger batches also make reading cheaper: a fetch returns whole batches.
            BatchNumMessages = 10_000,
            BatchSize = 1_000_000,
            // lz4, not zstd: with ~700-byte ticker JSON zstd compresses about twice as well, but zstd builds and
            // clears a compression context for every batch and the consumer a decompression context for every batch
            // it reads; with the few-dozen-tick batches of a real feed that showed in the profile (ZSTD_initDCtx,
            // ZSTD_createCCtx, memset), and in the bench as more CPU per tick and fewer rows landed under overload
            // (the figures: bench/results.md, "Kafka client settings").
            CompressionType = CompressionType.Lz4,
            // librdkafka's own queue is bounded; the publisher in front of it keeps the longer, accounted backlog.
            QueueBufferingMaxMessages = 200_000,
            QueueBufferingMaxKbytes = 256 * 1024,
            SocketNagleDisable = true,
            // Only the topic provisioner creates topics, with the configured partition count.
            AllowAutoCreateTopics = false,
        };
        return WithOverrides(config, options, options.Producer);
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
        var config = new ConsumerConfig
        {
            BootstrapServers = options.BootstrapServers,
            GroupId = groupId,
            ClientId = clientId,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = false,
            AllowAutoCreateTopics = false,
            // librdkafka's default fetch.queue.backoff.ms of 1000 stalls a partition for a whole second each time the
            // pre-fetch queue is full, which caps reads; 100 ms lifts the cap above what producers reach (measured on
            // the embedded broker: bench/results.md, "Kafka client settings").
            FetchQueueBackoffMs = 100,
            // An idle fetch waits at most this long; the embedded broker does not answer early when data arrives, so
            // this is also its worst-case delivery latency. 100 ms costs no throughput compared with 10 or 500.
            FetchWaitMaxMs = 100,
            FetchMinBytes = 1,
            // Pre-fetch bounds, per partition read (each queue has its own consumer). librdkafka's default of 64 MiB
            // made eight partitions' read-ahead alone up to half a GiB of the silo's memory when the writer lagged;
            // 8 MiB is still about two seconds of a partition at 50,000 ticks/s, and the queue cache behind it holds
            // ten batches more.
            QueuedMinMessages = 100_000,
            QueuedMaxMessagesKbytes = 8 * 1024,
            SocketNagleDisable = true,
        };
        return WithOverrides(config, options, options.Consumer);
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
        return WithOverrides(config, options, clientOverrides: null);
    }

    /// <summary>
    /// Applies <see cref="KafkaOptions.Client"/>, then the client kind's own overrides. The properties the pipeline's
    /// guarantees rest on are refused by <see cref="KafkaOptionsValidator"/> before any client is built.
    /// </summary>
    private static T WithOverrides<T>(T config, KafkaOptions options, IReadOnlyDictionary<string, string>? clientOverrides)
        where T : ClientConfig
    {
        foreach (var (key, value) in options.Client)
        {
            config.Set(key, value);
        }

        if (clientOverrides is not null)
        {
            foreach (var (key, value) in clientOverrides)
            {
                config.Set(key, value);
            }
        }

        return config;
    }
}
