using Microsoft.Extensions.Configuration;

namespace Laevitas.Feed;

/// <summary>
/// Binds <see cref="DeribitOptions"/>. The stock binder cannot turn <c>Deribit__Currencies=BTC,ETH</c> into a list
/// (it only binds indexed children) and appends JSON arrays to the defaults instead of replacing them, so the
/// list keys are read here: a scalar value is split on commas, array children are taken as they are.
/// </summary>
internal static class DeribitOptionsBinder
{
    public static void Bind(IConfiguration section, DeribitOptions options)
    {
        section.Bind(options);
        options.Currencies = ReadList(section, nameof(DeribitOptions.Currencies)) ?? new DeribitOptions().Currencies;
        options.Kinds = ReadList(section, nameof(DeribitOptions.Kinds)) ?? new DeribitOptions().Kinds;
        options.Instruments = ReadList(section, nameof(DeribitOptions.Instruments)) ?? [];
    }

    /// <summary>Null when the key is absent, so the default applies; an explicit empty string means an empty list.</summary>
    internal static IReadOnlyList<string>? ReadList(IConfiguration section, string key)
    {
        var child = section.GetSection(key);
        if (child.Value is { } scalar)
        {
            return Split(scalar);
        }

        var items = child.GetChildren()
            .Select(c => c.Value)
            .Where(v => !string.IsNullOrWhiteSpace(v))
            .SelectMany(v => Split(v!))
            .ToList();
        return items.Count == 0 && !child.GetChildren().Any() ? null : items;
    }

    private static List<string> Split(string value) =>
        value.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Distinct(StringComparer.Ordinal)
            .ToList();
}
