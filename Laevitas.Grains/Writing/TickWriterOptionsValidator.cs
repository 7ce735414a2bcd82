using Microsoft.Extensions.Options;

namespace Laevitas.Grains.Writing;

public sealed class TickWriterOptionsValidator : IValidateOptions<TickWriterOptions>
{
    public ValidateOptionsResult Validate(string? name, TickWriterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var section = TickWriterOptions.SectionName;
        if (options.RetryMinDelay <= TimeSpan.Zero || options.RetryMaxDelay < options.RetryMinDelay)
        {
            failures.Add($"{section}:RetryMinDelay must be positive and not above RetryMaxDelay (were {options.RetryMinDelay} and {options.RetryMaxDelay}).");
        }

        if (options.DeliveryRetryBudget <= TimeSpan.Zero)
        {
            failures.Add($"{section}:DeliveryRetryBudget must be positive (was {options.DeliveryRetryBudget}).");
        }

        if (options.SkippedTickLogsPerMinute < 0)
        {
            failures.Add($"{section}:SkippedTickLogsPerMinute must not be negative (was {options.SkippedTickLogsPerMinute}).");
        }

        if (options.MaxTickBytes < 1_024)
        {
            failures.Add($"{section}:MaxTickBytes must be at least 1024 (a ticker is about 1 KB; was {options.MaxTickBytes}).");
        }

        // librdkafka refuses a message above message.max.bytes (1,000,000 by default) at produce time; leave room for
        // the key and the headers.
        if (options.MaxDeadLetterBytes is < 1_024 or > 900_000)
        {
            failures.Add($"{section}:MaxDeadLetterBytes must be between 1024 and 900000 (was {options.MaxDeadLetterBytes}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
