using System.Globalization;
using Laevitas.Grains.Abstractions.Instruments;

namespace Laevitas.Grains.Abstractions.Api;

/// <summary>One followed instrument in a listing (<c>GET /api/instruments</c>, <c>laevitas instruments --json</c>).</summary>
public sealed record InstrumentView
{
    public required string InstrumentName { get; init; }

    /// <summary>See <see cref="InstrumentKindNames"/>.</summary>
    public required string Kind { get; init; }

    public string? Currency { get; init; }

    /// <summary>Expiry date, <c>yyyy-MM-dd</c>; null for perpetuals and spot.</summary>
    public string? Expiry { get; init; }

    public decimal? Strike { get; init; }

    /// <summary><c>C</c> or <c>P</c> for options.</summary>
    public string? OptionType { get; init; }

    /// <summary><c>active</c>, <c>expired</c> or <c>delisted</c>.</summary>
    public required string Status { get; init; }

    public DateTimeOffset ListedAt { get; init; }

    public static InstrumentView From(InstrumentListing listing)
    {
        ArgumentNullException.ThrowIfNull(listing);
        return new InstrumentView
        {
            InstrumentName = listing.InstrumentName,
            Kind = InstrumentKindNames.ToName(listing.Kind),
            Currency = listing.Currency,
            Expiry = FormatDate(listing.Expiry),
            Strike = listing.Strike,
            OptionType = listing.OptionType?.ToString(),
            Status = InstrumentStatusNames.ToName(listing.Status),
            ListedAt = DateTimeOffset.FromUnixTimeMilliseconds(listing.ListedAtMs),
        };
    }

    internal static string? FormatDate(DateOnly? date) => date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
