using Microsoft.Extensions.Options;

namespace Laevitas.Grains.Instruments;

internal sealed class InstrumentGrainOptionsValidator : IValidateOptions<InstrumentGrainOptions>
{
    public ValidateOptionsResult Validate(string? name, InstrumentGrainOptions options)
    {
        var failures = new List<string>();
        if (options.PersistInterval < TimeSpan.FromMilliseconds(100) || options.PersistInterval > TimeSpan.FromHours(1))
        {
            failures.Add($"{InstrumentGrainOptions.SectionName}:PersistInterval must be between 00:00:00.1 and 01:00:00 (was {options.PersistInterval}).");
        }

        // The dispatcher's grain call must not time out (Orleans' default response timeout is 30 s) while the grain waits.
        if (options.DeliveryWait < TimeSpan.Zero || options.DeliveryWait > TimeSpan.FromSeconds(10))
        {
            failures.Add($"{InstrumentGrainOptions.SectionName}:DeliveryWait must be between 00:00:00 and 00:00:10 (was {options.DeliveryWait}).");
        }

        if (options.AcceptHorizon < TimeSpan.FromSeconds(1) || options.AcceptHorizon > TimeSpan.FromHours(1))
        {
            failures.Add($"{InstrumentGrainOptions.SectionName}:AcceptHorizon must be between 00:00:01 and 01:00:00 (was {options.AcceptHorizon}).");
        }

        if (options.AcceptCapacity is < 16 or > 65_536)
        {
            failures.Add($"{InstrumentGrainOptions.SectionName}:AcceptCapacity must be between 16 and 65536 (was {options.AcceptCapacity}).");
        }

        // Below Orleans' 30 s response timeout: the activation runs inside the first call to the grain.
        if (options.StateReadTimeout < TimeSpan.FromMilliseconds(100) || options.StateReadTimeout > TimeSpan.FromSeconds(20))
        {
            failures.Add($"{InstrumentGrainOptions.SectionName}:StateReadTimeout must be between 00:00:00.1 and 00:00:20 (was {options.StateReadTimeout}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
