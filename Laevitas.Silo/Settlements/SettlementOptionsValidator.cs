using Laevitas.Grains.Abstractions.Settlements;
using Microsoft.Extensions.Options;

namespace Laevitas.Silo.Settlements;

internal sealed class SettlementOptionsValidator : IValidateOptions<SettlementOptions>
{
    // Deribit's get_delivery_prices answers at most 1000 entries a call.
    private const int MaxPageSize = 1000;

    public ValidateOptionsResult Validate(string? name, SettlementOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var section = SettlementOptions.SectionName;
        foreach (var index in options.IndexList())
        {
            if (SettlementRequests.ValidateIndexName(index) is { } problem)
            {
                failures.Add($"{section}:Indexes: {problem}");
            }
        }

        if (options.PageSize is < 1 or > MaxPageSize)
        {
            failures.Add($"{section}:PageSize must be between 1 and {MaxPageSize} (was {options.PageSize}).");
        }

        if (options.SettleDelay < TimeSpan.Zero || options.SettleDelay > TimeSpan.FromHours(1))
        {
            failures.Add($"{section}:SettleDelay must be between 00:00:00 and 01:00:00 (was {options.SettleDelay}).");
        }

        if (options.RetryMinDelay < TimeSpan.FromMilliseconds(10) || options.RetryMinDelay > options.RetryMaxDelay)
        {
            failures.Add($"{section}:RetryMinDelay must be at least 00:00:00.010 and at most RetryMaxDelay (was {options.RetryMinDelay}, RetryMaxDelay {options.RetryMaxDelay}).");
        }

        if (options.RetryMaxDelay > TimeSpan.FromHours(1))
        {
            failures.Add($"{section}:RetryMaxDelay must be at most 01:00:00 (was {options.RetryMaxDelay}); a day's settlement would wait too long.");
        }

        if (options.LateWindow < TimeSpan.Zero || options.LateWindow > TimeSpan.FromHours(23))
        {
            failures.Add($"{section}:LateWindow must be between 00:00:00 and 23:00:00 (was {options.LateWindow}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
