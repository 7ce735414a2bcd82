using Laevitas.Grains.Abstractions.Hosting;
using Laevitas.Streaming.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Providers.Streams.Common;
using Orleans.Streams;

namespace Laevitas.Streaming.Kafka.Providers;

/// <summary>
/// Builds the Kafka stream provider's parts: adapter (one receiver per partition), queue mapper (queue = partition),
/// <see cref="SimpleQueueAdapterCache"/> and the failure handler.
/// </summary>
/// <remarks>
/// The cache must be <see cref="SimpleQueueAdapterCache"/> (or another that purges only what every cursor has passed):
/// the receiver commits what the cache purges. A time-evicting cache such as <c>PooledQueueCache</c> (used by the
/// Event Hubs provider, whose checkpointer saves the purge point) drops batches by age whether or not the consumer
/// has stored them, which would commit ticks that never reached PostgreSQL.
/// </remarks>
public sealed partial class KafkaQueueAdapterFactory : IQueueAdapterFactory
{
    private static readonly TimeSpan TopicTimeout = TimeSpan.FromSeconds(30);

    private readonly string name;
    private readonly KafkaStreamOptions options;
    private readonly IOptions<KafkaOptions> kafkaOptions;
    private readonly KafkaStreamStatus status;
    private readonly ILoggerFactory loggerFactory;
    private readonly ILogger logger;
    private readonly SimpleQueueAdapterCache cache;
    private KafkaStreamQueueMapper? mapper;

    public KafkaQueueAdapterFactory(
        string name,
        KafkaStreamOptions options,
        IOptions<KafkaOptions> kafkaOptions,
        KafkaStreamStatus status,
        ILoggerFactory loggerFactory)
    {
        this.name = name;
        this.options = options;
        this.kafkaOptions = kafkaOptions;
        this.status = status;
        this.loggerFactory = loggerFactory;
        logger = loggerFactory.CreateLogger<KafkaQueueAdapterFactory>();
        cache = new SimpleQueueAdapterCache(new SimpleQueueCacheOptions { CacheSize = options.CacheBatches }, name, loggerFactory);
    }

    /// <summary>The factory Orleans calls (by convention) to build the provider named <paramref name="name"/>.</summary>
    public static KafkaQueueAdapterFactory Create(IServiceProvider services, string name)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.GetRequiredService<IOptionsMonitor<KafkaStreamOptions>>().Get(name);
        return ActivatorUtilities.CreateInstance<KafkaQueueAdapterFactory>(services, name, options);
    }

    [Obsolete("Use the overload which accepts a CancellationToken.")]
    public Task<IQueueAdapter> CreateAdapter() => CreateAdapter(CancellationToken.None);

    public async Task<IQueueAdapter> CreateAdapter(CancellationToken cancellationToken)
    {
        var kafka = string.IsNullOrEmpty(options.Topic) ? kafkaOptions.Value : kafkaOptions.Value.WithTopic(options.Topic);
        // The queues must match the topic's real partitions: a partition without a queue would never be read. The
        // topic may predate the configuration (KafkaOptions.Partitions only applies when creating it), so ask Kafka.
        var topic = await KafkaTopicProvisioner.EnsureTopicAsync(kafka, TopicTimeout, logger, cancellationToken).ConfigureAwait(false);
        // The writers set aside records they can never store there; it must exist before the first one does.
        await KafkaTopicProvisioner.EnsureTopicAsync(kafka.WithTopic(kafka.DeadLetterTopicName), TopicTimeout, logger, cancellationToken).ConfigureAwait(false);
        mapper = new KafkaStreamQueueMapper(name, options.StreamNamespace, topic.Partitions);
        LogCreated(name, kafka.Topic, topic.Partitions, options.ConsumerGroup);
        return new KafkaQueueAdapter(name, options.StreamNamespace, kafka, options, status, loggerFactory);
    }

    public IQueueAdapterCache GetQueueAdapterCache() => cache;

    // Orleans asks for the mapper when it starts the pulling agents, after CreateAdapter has read the partition count.
    public IStreamQueueMapper GetStreamQueueMapper() =>
        mapper ?? throw new InvalidOperationException($"Stream provider '{name}': the queue mapper is known only after CreateAdapter has read the topic.");

    public Task<IStreamFailureHandler> GetDeliveryFailureHandler(QueueId queueId) =>
        Task.FromResult<IStreamFailureHandler>(new KafkaDeliveryFailureHandler(
            KafkaStreamQueueMapper.PartitionOf(queueId), loggerFactory.CreateLogger<KafkaDeliveryFailureHandler>()));

    [LoggerMessage(EventId = 4114, Level = LogLevel.Information, Message = "Stream provider {Provider} reads Kafka topic {Topic} ({Partitions} partitions, one queue each) as consumer group {Group}")]
    private partial void LogCreated(string provider, string topic, int partitions, string group);
}
