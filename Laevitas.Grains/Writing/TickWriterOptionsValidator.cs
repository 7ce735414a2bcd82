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

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
