using Microsoft.Extensions.Options;

namespace Laevitas.Streaming.Kafka;

/// <summary>Rejects Kafka settings that would only fail later, deep inside librdkafka, with a clear message at start.</summary>
public sealed class KafkaOptionsValidator : IValidateOptions<KafkaOptions>
{
    /// <summary>Kafka's own limit on topic name length.</summary>
    public const int MaxTopicNameLength = 249;

    public ValidateOptionsResult Validate(string? name, KafkaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();

        if (string.IsNullOrWhiteSpace(options.BootstrapServers))
        {
            failures.Add($"{KafkaOptions.SectionName}:BootstrapServers is empty. The silo fills it with the embedded broker's address when it " +
                         "starts one; any other host must set it (comma-separated host:port list).");
        }

        if (TopicNameProblem(options.Topic) is { } problem)
        {
            failures.Add($"{KafkaOptions.SectionName}:Topic '{options.Topic}' is not a legal Kafka topic name: {problem}.");
        }

        if (TopicNameProblem(options.TradesTopicName) is { } tradesProblem)
        {
            failures.Add($"{KafkaOptions.SectionName}:TradesTopic '{options.TradesTopicName}' is not a legal Kafka topic name: {tradesProblem}.");
        }
        else if (options.TradesTopicName == options.Topic || options.TradesTopicName == options.DeadLetterTopicName)
        {
            // One topic holding two record shapes would send tickers to the trade writers and the other way round.
            failures.Add($"{KafkaOptions.SectionName}:TradesTopic ('{options.TradesTopicName}') must differ from {KafkaOptions.SectionName}:Topic and {KafkaOptions.SectionName}:DeadLetterTopic.");
        }

        if (TopicNameProblem(options.DeadLetterTopicName) is { } deadLetterProblem)
        {
            failures.Add($"{KafkaOptions.SectionName}:DeadLetterTopic '{options.DeadLetterTopicName}' is not a legal Kafka topic name: {deadLetterProblem}.");
        }
        else if (options.DeadLetterTopicName == options.Topic)
        {
            // Records set aside would be read again as ticks, set aside again, forever.
            failures.Add($"{KafkaOptions.SectionName}:DeadLetterTopic must differ from {KafkaOptions.SectionName}:Topic ('{options.Topic}').");
        }

        if (options.Partitions < 1)
        {
            failures.Add($"{KafkaOptions.SectionName}:Partitions must be at least 1 (was {options.Partitions}).");
        }

        if (options.ReplicationFactor < 1)
        {
            failures.Add($"{KafkaOptions.SectionName}:ReplicationFactor must be at least 1 (was {options.ReplicationFactor}).");
        }

        CheckOverrides(failures, nameof(KafkaOptions.Client), options.Client, AlwaysOwned);
        CheckOverrides(failures, nameof(KafkaOptions.Producer), options.Producer, ProducerOwned);
        CheckOverrides(failures, nameof(KafkaOptions.Consumer), options.Consumer, ConsumerOwned);

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // Properties the service sets itself because its guarantees rest on them: where the brokers are, that only the
    // provisioner creates topics, that the producer neither duplicates nor reorders on retries and waits for every
    // in-sync replica, and that a consumer's offset is stored only for ticks already committed in PostgreSQL.
    private static readonly string[] AlwaysOwned = ["bootstrap.servers", "metadata.broker.list", "allow.auto.create.topics", "group.id", "client.id"];
    private static readonly string[] ProducerOwned = [.. AlwaysOwned, "enable.idempotence", "acks", "request.required.acks", "message.timeout.ms", "delivery.timeout.ms",
        "queue.buffering.max.messages", "queue.buffering.max.kbytes", "delivery.report.only.error", "dr_msg_cb"];
    private static readonly string[] ConsumerOwned = [.. AlwaysOwned, "enable.auto.commit", "enable.auto.offset.store", "enable.partition.eof", "auto.commit.interval.ms"];

    private static void CheckOverrides(List<string> failures, string section, Dictionary<string, string>? overrides, string[] owned)
    {
        if (overrides is null)
        {
            return;
        }

        foreach (var (key, value) in overrides)
        {
            var path = $"{KafkaOptions.SectionName}:{section}:{key}";
            if (string.IsNullOrWhiteSpace(key) || key != key.Trim())
            {
                failures.Add($"{KafkaOptions.SectionName}:{section} has a property name that is empty or padded with spaces ('{key}').");
            }
            else if (owned.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                failures.Add(key.StartsWith("queue.buffering.max", StringComparison.OrdinalIgnoreCase)
                    ? $"{path} cannot be set: the producer's buffer is Publisher:BufferMaxMessages / Publisher:BufferMaxKBytes."
                    : $"{path} cannot be set: the service sets {key} itself (see KafkaClientConfigs).");
            }
            else if (value is null)
            {
                failures.Add($"{path} has no value.");
            }
        }
    }

    /// <summary>Why <paramref name="topic"/> is not a legal Kafka topic name, or null when it is.</summary>
    public static string? TopicNameProblem(string? topic)
    {
        if (string.IsNullOrEmpty(topic))
        {
            return "it is empty";
        }

        if (topic.Length > MaxTopicNameLength)
        {
            return $"it is longer than {MaxTopicNameLength} characters";
        }

        if (topic is "." or "..")
        {
            return "'.' and '..' are reserved";
        }

        foreach (var c in topic)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return $"'{c}' is not allowed (only ASCII letters, digits, '.', '_' and '-')";
            }
        }

        return null;
    }
}
