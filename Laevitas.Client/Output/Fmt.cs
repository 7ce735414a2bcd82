using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace Laevitas.Client.Output;

/// <summary>Invariant, compact formatting for table cells; every result is markup-escaped.</summary>
internal static class Fmt
{
    public const string None = "[grey]-[/]";

    public static string Text(string? value) => value is null ? None : Markup.Escape(value);

    public static string Number(double? value) =>
        value is { } v ? Markup.Escape(v.ToString("#,0.########", CultureInfo.InvariantCulture)) : None;

    public static string Number(decimal? value) =>
        value is { } v ? Markup.Escape(v.ToString("#,0.########", CultureInfo.InvariantCulture)) : None;

    public static string Count(long? value) => value is { } v ? v.ToString("#,0", CultureInfo.InvariantCulture) : None;

    public static string Rate(double? value) => value is { } v ? v.ToString("#,0.0", CultureInfo.InvariantCulture) : None;

    public static string Time(DateTimeOffset? value) =>
        value is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) : None;

    public static string Flag(bool? value, string yes = "yes", string no = "no") =>
        value switch { true => $"[green]{yes}[/]", false => $"[red]{no}[/]", null => None };

    /// <summary>A number or string member of a ticker object (<c>mark_price</c>, <c>greeks.delta</c>); null when absent.</summary>
    public static double? Field(JsonElement? ticker, string path)
    {
        if (ticker is not { ValueKind: JsonValueKind.Object } element)
        {
            return null;
        }

        var dot = path.IndexOf('.');
        if (dot > 0)
        {
            return element.TryGetProperty(path[..dot], out var inner) ? Field(inner, path[(dot + 1)..]) : null;
        }

        return element.TryGetProperty(path, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d) ? d : null;
    }

    public static string? StringField(JsonElement? ticker, string name) =>
        ticker is { ValueKind: JsonValueKind.Object } element && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
