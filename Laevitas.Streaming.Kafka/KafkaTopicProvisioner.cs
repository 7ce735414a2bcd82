using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ErrorCode = Confluent.Kafka.ErrorCode;

namespace Laevitas.Streaming.Kafka;

/// <summary>Makes sure the tick topic exists before anything produces to or consumes from it.</summary>
public static partial class KafkaTopicProvisioner
{
    /// <summary>
    /// Creates <see cref="KafkaOptions.Topic"/> with the configured partitions and replication factor when it is
    /// missing; leaves an existing topic alone (also one created concurrently by another silo).
    /// </summary>
    /// <exception cref="KafkaProvisioningException">The cluster could not be reached within <paramref name="timeout"/>, or refused.</exception>
    public static async Task<TopicProvisioningResult> EnsureTopicAsync(
        KafkaOptions options,
        TimeSpan timeout,
        ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        logger ??= NullLogger.Instance;
        var topic = options.Topic;
        if (KafkaOptionsValidator.TopicNameProblem(topic) is { } problem)
        {
            throw new ArgumentException($"'{topic}' is not a legal Kafka topic name: {problem}.", nameof(options));
        }

        using var admin = new AdminClientBuilder(KafkaClientConfigs.Admin(options, "laevitas-topic-provisioner"))
            // librdkafka would print every failed connection attempt to stderr; the outcome is reported below instead.
            .SetLogHandler((_, message) => LogClient(logger, message.Level.ToString(), message.Name, message.Message))
            .SetErrorHandler((_, error) => LogClient(logger, "error", "", error.Reason))
            .Build();

        var existing = await ReadPartitionCountAsync(admin, options, timeout, cancellationToken).ConfigureAwait(false);
        if (existing is { } partitions)
        {
            return Existing(options, partitions, logger);
        }

        try
        {
            await admin.CreateTopicsAsync(
                [new TopicSpecification { Name = topic, NumPartitions = options.Partitions, ReplicationFactor = options.ReplicationFactor }],
                new CreateTopicsOptions { RequestTimeout = timeout, OperationTimeout = timeout }).WaitAsync(cancellationToken).ConfigureAwait(false);
            LogCreated(logger, topic, options.Partitions, options.ReplicationFactor, options.BootstrapServers);
            return new TopicProvisioningResult(topic, TopicProvisioningOutcome.Created, options.Partitions);
        }
        catch (CreateTopicsException ex) when (ex.Results.All(r => r.Error.Code == ErrorCode.TopicAlreadyExists))
        {
            // Another silo won the race; read what it created.
            var created = await ReadPartitionCountAsync(admin, options, timeout, cancellationToken).ConfigureAwait(false);
            return Existing(options, created ?? options.Partitions, logger);
        }
        catch (KafkaException ex)
        {
            throw new KafkaProvisioningException(
                $"Could not create Kafka topic '{topic}' ({options.Partitions} partitions, replication {options.ReplicationFactor}) at " +
                $"{options.BootstrapServers}: {ex.Error.Reason} ({ex.Error.Code}).", ex);
        }
    }

    /// <summary>The topic's partition count, or null when the cluster says it does not exist.</summary>
    private static async Task<int?> ReadPartitionCountAsync(IAdminClient admin, KafkaOptions options, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Metadata metadata;
        try
        {
            // GetMetadata blocks up to the timeout; keep it off the caller's thread.
            metadata = await Task.Run(() => admin.GetMetadata(options.Topic, timeout), cancellationToken).ConfigureAwait(false);
        }
        catch (KafkaException ex)
        {
            throw new KafkaProvisioningException(
                $"Kafka at '{options.BootstrapServers}' did not answer within {timeout.TotalSeconds:0.#} s ({ex.Error.Reason}); " +
                $"cannot ensure topic '{options.Topic}'. Check {KafkaOptions.SectionName}:BootstrapServers and that the brokers are up.", ex);
        }

        var described = metadata.Topics.Find(t => t.Topic == options.Topic);
        if (described is null || described.Error.Code == ErrorCode.UnknownTopicOrPart)
        {
            return null;
        }

        if (described.Error.Code != ErrorCode.NoError)
        {
            throw new KafkaProvisioningException(
                $"Kafka at '{options.BootstrapServers}' reports topic '{options.Topic}' as unusable: {described.Error.Reason} ({described.Error.Code}).");
        }

        return described.Partitions.Count;
    }

    private static TopicProvisioningResult Existing(KafkaOptions options, int partitions, ILogger logger)
    {
        if (partitions != options.Partitions)
        {
            LogPartitionMismatch(logger, options.Topic, partitions, options.Partitions);
        }
        else
        {
            LogExists(logger, options.Topic, partitions);
        }

        return new TopicProvisioningResult(options.Topic, TopicProvisioningOutcome.AlreadyExisted, partitions);
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Created Kafka topic {Topic} with {Partitions} partitions (replication {ReplicationFactor}) at {BootstrapServers}")]
    private static partial void LogCreated(ILogger logger, string topic, int partitions, short replicationFactor, string bootstrapServers);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Kafka topic {Topic} exists with {Partitions} partitions")]
    private static partial void LogExists(ILogger logger, string topic, int partitions);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Kafka topic {Topic} exists with {Partitions} partitions, not the configured {ConfiguredPartitions}; using it as it is")]
    private static partial void LogPartitionMismatch(ILogger logger, string topic, int partitions, int configuredPartitions);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Debug, Message = "librdkafka admin {Level} {Facility}: {Message}")]
    private static partial void LogClient(ILogger logger, string level, string facility, string message);
}
