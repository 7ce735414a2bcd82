using Laevitas.Grains.Abstractions.Hosting;

namespace Laevitas.Streaming.Kafka.Providers;

/// <summary>
/// How the Kafka stream provider reads the tick topic (configuration section <c>Kafka:Stream</c>, named after the
/// provider). Brokers, topic and partition count come from <see cref="Kafka.KafkaOptions"/>.
/// </summary>
public sealed class KafkaStreamOptions
{
    public const string SectionName = "Kafka:Stream";

    /// <summary>
    /// The topic this provider reads; empty ⇒ <c>Kafka:Topic</c> (the ticks). The trade stream provider sets it to
    /// <c>Kafka:TradesTopic</c> (<c>AddKafkaTradeStreams</c>), not configuration.
    /// </summary>
    public string Topic { get; set; } = "";

    /// <summary>Stream namespace the provider delivers its batches under (what the writers subscribe to implicitly).</summary>
    public string StreamNamespace { get; set; } = ProviderNames.TickStreamNamespace;

    /// <summary>
    /// Consumer group whose committed offsets record what is stored in PostgreSQL. Receivers assign partitions
    /// themselves (no group rebalancing: Orleans balances queues), the group only keeps the offsets.
    /// </summary>
    public string ConsumerGroup { get; set; } = "laevitas-writer";

    /// <summary>
    /// A batch is handed to the writer when it holds this many ticks ... The queue cache holds at least ten batches
    /// per partition while the writer lags, so this also bounds memory: 8 partitions × 10 × 2,000 ticks of ~1 KiB
    /// in memory ≈ 160 MiB, against ≈ 400 MiB at 5,000. 2,000 rows still make a COPY transaction's fixed cost small.
    /// </summary>
    public int MaxBatchTicks { get; set; } = 2_000;

    /// <summary>... or this many payload bytes ...</summary>
    public int MaxBatchBytes { get; set; } = 2 * 1024 * 1024;

    /// <summary>
    /// ... or when its oldest tick has waited this long (so a quiet partition still flushes). Below a few thousand
    /// ticks/s per partition this is what sets the latency (250 against 100 ms: bench/results.md, "Stream batch
    /// wait"); at 10,000 ticks/s over 8 partitions 100 ms still makes batches of ~125 ticks, 80 transactions/s.
    /// </summary>
    public TimeSpan MaxBatchWait { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Batches held per partition between Kafka and the writer (the Orleans queue cache). When the writer stalls,
    /// reading stops once this many wait, and Kafka keeps the rest. At least 10.
    /// </summary>
    public int CacheBatches { get; set; } = 10;

    /// <summary>How often the pulling agent asks each receiver for new batches.</summary>
    public TimeSpan PollPeriod { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>First wait before the pulling agent re-delivers a batch the writer could not store.</summary>
    public TimeSpan RedeliveryMinDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Longest wait between re-deliveries of a batch the writer could not store: the partition stores nothing while it
    /// lasts, even once the database is back (the writer itself retries for seconds inside each delivery first).
    /// </summary>
    public TimeSpan RedeliveryMaxDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often librdkafka commits the offsets stored for fully delivered batches.</summary>
    public TimeSpan CommitInterval { get; set; } = TimeSpan.FromSeconds(1);
}
