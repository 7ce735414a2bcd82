using Microsoft.Extensions.Options;

namespace Laevitas.Grains.Publishing;

internal sealed class PublisherOptionsValidator : IValidateOptions<PublisherOptions>
{
    private const string S = PublisherOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, PublisherOptions o)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(o.SpoolDirectory))
        {
            failures.Add($"{S}:SpoolDirectory is empty; set a local directory for the tick spool.");
        }

        if (o.SpoolSegmentBytes < 64 * 1024)
        {
            failures.Add($"{S}:SpoolSegmentBytes must be at least 65536 (was {o.SpoolSegmentBytes}).");
        }

        if (o.SpoolMaxBytes < o.SpoolSegmentBytes)
        {
            failures.Add($"{S}:SpoolMaxBytes ({o.SpoolMaxBytes}) must be at least {S}:SpoolSegmentBytes ({o.SpoolSegmentBytes}).");
        }

        if (o.BufferMaxMessages is < 1 or > 10_000_000)
        {
            failures.Add($"{S}:BufferMaxMessages must be between 1 and 10000000 (was {o.BufferMaxMessages}).");
        }

        if (o.BufferMaxKBytes is < 1 or > 2_097_151)
        {
            failures.Add($"{S}:BufferMaxKBytes must be between 1 and 2097151 (was {o.BufferMaxKBytes}).");
        }

        if (o.ReplayBatchSize is < 1 or > 100_000)
        {
            failures.Add($"{S}:ReplayBatchSize must be between 1 and 100000 (was {o.ReplayBatchSize}).");
        }

        if (o.ShutdownFlushTimeout < TimeSpan.Zero || o.ShutdownFlushTimeout > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{S}:ShutdownFlushTimeout must be between 00:00:00 and 00:05:00 (was {o.ShutdownFlushTimeout}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
