using Microsoft.Extensions.Options;

namespace Laevitas.Grains.Retention;

/// <summary>The ranges on <see cref="RetentionOptions"/>' properties, checked by generated code.</summary>
[OptionsValidator]
public sealed partial class RetentionOptionsValidator : IValidateOptions<RetentionOptions>;
