using Microsoft.Extensions.Options;

namespace Laevitas.Grains.Retention;

public sealed class RetentionOptionsValidator : IValidateOptions<RetentionOptions>
{
    // PostgreSQL dates stop at 5874897 AD, but a retention of a century already means "keep everything": anything
    // larger is a typo (e.g. hours or milliseconds given as days), and is refused rather than silently accepted.
    private const int MaxDays = 36_500;

    public ValidateOptionsResult Validate(string? name, RetentionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var section = RetentionOptions.SectionName;
        if (options.Days is < 0 or > MaxDays)
        {
            failures.Add($"{section}:Days must be 0 (keep everything) or a number of days from 1 to {MaxDays} (was {options.Days}).");
        }

        if (options.Interval < TimeSpan.FromSeconds(1) || options.Interval > TimeSpan.FromDays(1))
        {
            failures.Add($"{section}:Interval must be between 00:00:01 and 1.00:00:00 (was {options.Interval}); partitions are whole days, so a pass a day is enough and one a second the most that makes sense.");
        }

        if (options.LockTimeout < TimeSpan.FromMilliseconds(1) || options.LockTimeout > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{section}:LockTimeout must be between 00:00:00.001 and 00:01:00 (was {options.LockTimeout}); writers wait behind a drop for that long.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
