using Laevitas.Grains.Abstractions.Instruments;

namespace Laevitas.Grains.Abstractions.Api;

/// <summary>
/// The names of <see cref="InstrumentKind"/> in the API and the client: Deribit's own kind names
/// (<c>option</c>, <c>future</c>, <c>future_combo</c>, <c>option_combo</c>, <c>spot</c>) plus <c>perpetual</c>, which
/// Deribit files under <c>future</c> but users ask for by name.
/// </summary>
public static class InstrumentKindNames
{
    private static readonly (InstrumentKind Kind, string Name)[] Names =
    [
        (InstrumentKind.Option, "option"),
        (InstrumentKind.Future, "future"),
        (InstrumentKind.Perpetual, "perpetual"),
        (InstrumentKind.FutureCombo, "future_combo"),
        (InstrumentKind.OptionCombo, "option_combo"),
        (InstrumentKind.Spot, "spot"),
        (InstrumentKind.Unknown, "unknown"),
    ];

    /// <summary>The kinds a caller may filter on, for help texts and error messages.</summary>
    public static string Allowed { get; } = string.Join(", ", Names.Where(n => n.Kind != InstrumentKind.Unknown).Select(n => n.Name));

    public static string ToName(InstrumentKind kind)
    {
        foreach (var (k, name) in Names)
        {
            if (k == kind)
            {
                return name;
            }
        }

        return "unknown";
    }

    /// <summary>Case-insensitive; accepts <c>futurecombo</c> and <c>future-combo</c> too.</summary>
    public static bool TryParse(string? text, out InstrumentKind kind)
    {
        kind = InstrumentKind.Unknown;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var normalized = text.Trim().Replace('-', '_');
        foreach (var (k, name) in Names)
        {
            if (k != InstrumentKind.Unknown
                && (string.Equals(name, normalized, StringComparison.OrdinalIgnoreCase)
                    || string.Equals(name.Replace("_", "", StringComparison.Ordinal), normalized, StringComparison.OrdinalIgnoreCase)))
            {
                kind = k;
                return true;
            }
        }

        return false;
    }
}
