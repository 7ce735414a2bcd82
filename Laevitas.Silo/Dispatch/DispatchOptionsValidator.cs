using Microsoft.Extensions.Options;

namespace Laevitas.Silo.Dispatch;

internal sealed class DispatchOptionsValidator : IValidateOptions<DispatchOptions>
{
    private const string S = DispatchOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, DispatchOptions o)
    {
        var failures = new List<string>();
        if (o.BatchWindow < TimeSpan.Zero || o.BatchWindow > TimeSpan.FromSeconds(1))
        {
            failures.Add($"{S}:BatchWindow must be between 00:00:00 and 00:00:01 (was {o.BatchWindow}).");
        }

        if (o.MaxConcurrentCalls is < 1 or > 10_000)
        {
            failures.Add($"{S}:MaxConcurrentCalls must be between 1 and 10000 (was {o.MaxConcurrentCalls}).");
        }

        if (o.MaxCallsPerSecond is < 0 or > 10_000_000)
        {
            failures.Add($"{S}:MaxCallsPerSecond must be between 0 (no bound) and 10000000 (was {o.MaxCallsPerSecond}).");
        }

        if (o.MaxBatchSize is < 1 or > 100_000)
        {
            failures.Add($"{S}:MaxBatchSize must be between 1 and 100000 (was {o.MaxBatchSize}).");
        }

        if (o.MaxPendingTicks < o.MaxBatchSize)
        {
            failures.Add($"{S}:MaxPendingTicks ({o.MaxPendingTicks}) must be at least {S}:MaxBatchSize ({o.MaxBatchSize}).");
        }

        // Below Deribit's shortest heartbeat (10 s): a held-back connection does not read the exchange's test_request.
        if (o.MaxBackPressureLag < TimeSpan.Zero || o.MaxBackPressureLag > TimeSpan.FromSeconds(5))
        {
            failures.Add($"{S}:MaxBackPressureLag must be between 00:00:00 and 00:00:05 (was {o.MaxBackPressureLag}).");
        }

        if (o.PaceBacklog < 0)
        {
            failures.Add($"{S}:PaceBacklog must be zero (never pace) or positive (was {o.PaceBacklog}).");
        }

        if (o.SlowCallAfter < TimeSpan.FromMilliseconds(100) || o.SlowCallAfter > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{S}:SlowCallAfter must be between 00:00:00.1 and 00:01:00 (was {o.SlowCallAfter}).");
        }

        if (o.RetryDelay <= TimeSpan.Zero || o.RetryDelay > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{S}:RetryDelay must be above zero and at most 00:01:00 (was {o.RetryDelay}).");
        }

        if (o.ListingConcurrency is < 1 or > 1_000)
        {
            failures.Add($"{S}:ListingConcurrency must be between 1 and 1000 (was {o.ListingConcurrency}).");
        }

        if (o.DrainTimeout < TimeSpan.Zero || o.DrainTimeout > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{S}:DrainTimeout must be between 00:00:00 and 00:05:00 (was {o.DrainTimeout}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
