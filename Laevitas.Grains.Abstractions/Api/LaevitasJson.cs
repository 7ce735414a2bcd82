using System.Text.Json;
using System.Text.Json.Serialization;

namespace Laevitas.Grains.Abstractions.Api;

/// <summary>
/// The one JSON shape of the HTTP API and of the client's <c>--json</c> output, so a script can switch between them:
/// camelCase property names, null members written (every document of a type has the same properties), ISO-8601 times.
/// </summary>
public static class LaevitasJson
{
    /// <summary>Compact, for HTTP responses.</summary>
    public static JsonSerializerOptions Compact { get; } = Create(indented: false);

    /// <summary>Indented, for a terminal.</summary>
    public static JsonSerializerOptions Indented { get; } = Create(indented: true);

    /// <summary>Applies the shared settings to <paramref name="options"/> (e.g. ASP.NET's HTTP JSON options).</summary>
    public static void Apply(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DictionaryKeyPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        // Prices are doubles that may be NaN/Infinity only if the exchange sends nonsense; write them rather than fail.
        options.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals;
    }

    private static JsonSerializerOptions Create(bool indented)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = indented };
        Apply(options);
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
