using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace Laevitas.Grains.Abstractions.Hosting;

/// <summary>
/// <see cref="RangeAttribute"/> for an options property checked by the options-validation source generator, whose
/// <see cref="ValidationAttribute.ErrorMessage"/> may also say what was read: <c>{3}</c> is the value, next to
/// <c>{0}</c> (the member), <c>{1}</c> and <c>{2}</c> (the bounds). An operator who typed hours where days were meant
/// sees the number that was refused, as the hand-written validators always showed it.
/// </summary>
/// <remarks>
/// The generator replaces a plain <see cref="RangeAttribute"/> with its own copy, but takes a subclass as it is, so
/// this override is what runs at start.
/// </remarks>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, AllowMultiple = false)]
public sealed class SettingRangeAttribute : RangeAttribute
{
    public SettingRangeAttribute(int minimum, int maximum) : base(minimum, maximum)
    {
    }

    public SettingRangeAttribute(double minimum, double maximum) : base(minimum, maximum)
    {
    }

    /// <summary>Bounds of another type, e.g. <c>typeof(TimeSpan)</c> with <c>"00:00:00.1"</c>, parsed invariantly.</summary>
    public SettingRangeAttribute(Type type, string minimum, string maximum) : base(type, minimum, maximum)
    {
        ParseLimitsInInvariantCulture = true;
        ConvertValueInInvariantCulture = true;
    }

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        ArgumentNullException.ThrowIfNull(validationContext);
        // No member names: the message already names the configuration key, and the options' result builder would
        // put the property's name in front of it.
        return IsValid(value)
            ? ValidationResult.Success
            : new ValidationResult(string.Format(CultureInfo.InvariantCulture, ErrorMessageString, validationContext.DisplayName, Minimum, Maximum, value));
    }
}
