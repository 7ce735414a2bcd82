using System.Globalization;
using Laevitas.Grains.Abstractions.Api;

namespace Laevitas.Silo.Api;

/// <summary>
/// Integer query parameters are bound as text and parsed here, so that <c>limit=abc</c> gets the same clear
/// validation problem as <c>limit=0</c> instead of ASP.NET's bare binding failure.
/// </summary>
internal static class QueryInt
{
    public static int? Parse(string parameter, string? text, RequestErrors errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        errors.Add(parameter, $"{parameter} '{(text.Length > 40 ? text[..40] + "…" : text)}' is not a whole number.");
        return null;
    }
}
