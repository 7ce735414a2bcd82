using Microsoft.Extensions.Options;

namespace Laevitas.Silo.Stats;

internal sealed class PipelineStatsOptionsValidator : IValidateOptions<PipelineStatsOptions>
{
    public ValidateOptionsResult Validate(string? name, PipelineStatsOptions options)
    {
        if (options.ReportInterval < TimeSpan.FromMilliseconds(100) || options.ReportInterval > TimeSpan.FromSeconds(10))
        {
            return ValidateOptionsResult.Fail($"Stats:ReportInterval must be between 00:00:00.1 and 00:00:10 (was {options.ReportInterval}); " +
                                              "the cluster drops reports older than 30 s.");
        }

        return options.StatusLineInterval < TimeSpan.Zero
            ? ValidateOptionsResult.Fail($"Stats:StatusLineInterval must be zero (off) or positive (was {options.StatusLineInterval}).")
            : ValidateOptionsResult.Success;
    }
}
