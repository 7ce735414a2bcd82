using Microsoft.Extensions.Options;

namespace Laevitas.Silo.Memory;

/// <summary>The ranges on <see cref="MemoryOptions"/>' properties, checked by generated code.</summary>
[OptionsValidator]
internal sealed partial class MemoryOptionsValidator : IValidateOptions<MemoryOptions>;
