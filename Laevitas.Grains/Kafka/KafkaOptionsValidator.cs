using Microsoft.Extensions.Options;

namespace Laevitas.Grains.Kafka;

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

        if (options.Partitions < 1)
        {
            failures.Add($"{KafkaOptions.SectionName}:Partitions must be at least 1 (was {options.Partitions}).");
        }

        if (options.ReplicationFactor < 1)
        {
            failures.Add($"{KafkaOptions.SectionName}:ReplicationFactor must be at least 1 (was {options.ReplicationFactor}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
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
