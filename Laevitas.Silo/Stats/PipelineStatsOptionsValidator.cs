using Microsoft.Extensions.Options;

namespace Laevitas.Silo.Stats;

/// <summary>The ranges on <see cref="PipelineStatsOptions"/>' properties, checked by generated code.</summary>
[OptionsValidator]
internal sealed partial class PipelineStatsOptionsValidator : IValidateOptions<PipelineStatsOptions>;
