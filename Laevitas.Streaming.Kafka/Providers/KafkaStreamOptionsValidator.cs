using Microsoft.Extensions.Options;

namespace Laevitas.Streaming.Kafka.Providers;

/// <summary>Rejects stream settings that would misbehave later with a clear message at start.</summary>
public sealed class KafkaStreamOptionsValidator : IValidateOptions<KafkaStreamOptions>
{
    public ValidateOptionsResult Validate(string? name, KafkaStreamOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var section = KafkaStreamOptions.SectionName;

        if (string.IsNullOrWhiteSpace(options.ConsumerGroup))
        {
            failures.Add($"{section}:ConsumerGroup is empty; offsets of stored ticks are kept under this group.");
        }

        if (options.MaxBatchTicks < 1)
        {
            failures.Add($"{section}:MaxBatchTicks must be at least 1 (was {options.MaxBatchTicks}).");
        }

        if (options.MaxBatchBytes < 1024)
        {
            failures.Add($"{section}:MaxBatchBytes must be at least 1024 (was {options.MaxBatchBytes}).");
        }

        if (options.MaxBatchWait <= TimeSpan.Zero)
        {
            failures.Add($"{section}:MaxBatchWait must be positive (was {options.MaxBatchWait}).");
        }

        // SimpleQueueCache works in ten buckets of at least one batch and reports pressure at ten buckets; below ten
        // it would throw CacheFullException instead of pushing back.
        if (options.CacheBatches < 10)
        {
            failures.Add($"{section}:CacheBatches must be at least 10 (was {options.CacheBatches}).");
        }

        if (options.PollPeriod <= TimeSpan.Zero)
        {
            failures.Add($"{section}:PollPeriod must be positive (was {options.PollPeriod}).");
        }

        if (options.RedeliveryMinDelay <= TimeSpan.Zero || options.RedeliveryMaxDelay < options.RedeliveryMinDelay)
        {
            failures.Add($"{section}:RedeliveryMinDelay must be positive and not above RedeliveryMaxDelay " +
                         $"(were {options.RedeliveryMinDelay} and {options.RedeliveryMaxDelay}).");
        }

        if (options.CommitInterval <= TimeSpan.Zero)
        {
            failures.Add($"{section}:CommitInterval must be positive (was {options.CommitInterval}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
