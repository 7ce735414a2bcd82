using Microsoft.Extensions.Options;

namespace Laevitas.Grains.Instruments;

/// <summary>The ranges on <see cref="InstrumentGrainOptions"/>' properties, checked by generated code.</summary>
[OptionsValidator]
internal sealed partial class InstrumentGrainOptionsValidator : IValidateOptions<InstrumentGrainOptions>;
