using Microsoft.Extensions.Options;

namespace Laevitas.Grains.Instruments;

internal sealed class InstrumentGrainOptionsValidator : IValidateOptions<InstrumentGrainOptions>
{
    public ValidateOptionsResult Validate(string? name, InstrumentGrainOptions options) =>
        options.PersistInterval < TimeSpan.FromMilliseconds(100) || options.PersistInterval > TimeSpan.FromHours(1)
            ? ValidateOptionsResult.Fail(
                $"{InstrumentGrainOptions.SectionName}:PersistInterval must be between 00:00:00.1 and 01:00:00 (was {options.PersistInterval}).")
            : ValidateOptionsResult.Success;
}
