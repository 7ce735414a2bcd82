using System.Globalization;
using Laevitas.Grains.Abstractions.Api;
using Laevitas.Grains.Abstractions.History;

namespace Laevitas.Grains.Abstractions.Settlements;

/// <summary>
/// Checks and converts the parameters of a settlement-history request (HTTP API and client alike): an index name as
/// Deribit spells it (<c>btc_usd</c>), dates as <c>yyyy-MM-dd</c>, both ends inclusive.
/// </summary>
public static class SettlementRequests
{
    public const int DefaultLimit = 1_000;
    public const int MaxLimit = HistoryRequests.MaxLimit;

    /// <summary>Deribit's delivery prices start in 2019; a range may reach back to 2010 like the ticker history.</summary>
    public static readonly DateOnly Earliest = new(2010, 1, 1);

    private static readonly DateOnly Latest = new(2099, 12, 31);

    /// <summary>The query, or null with the problems in <paramref name="errors"/>. Defaults: from = 2010-01-01, to = <paramref name="today"/>.</summary>
    public static SettlementQuery? TryBuild(string? indexName, string? from, string? to, int? limit, DateOnly today, RequestErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (ValidateIndexName(indexName) is { } nameError)
        {
            errors.Add("index", nameError);
        }

        var toDate = ParseDate("to", to, errors) ?? (string.IsNullOrWhiteSpace(to) ? today : null);
        var fromDate = ParseDate("from", from, errors) ?? (string.IsNullOrWhiteSpace(from) ? Earliest : null);
        if (fromDate is { } f && toDate is { } t && f > t)
        {
            errors.Add("from", $"from ({Format(f)}) must not be after to ({Format(t)}).");
        }

        if (limit is < 1 or > MaxLimit)
        {
            errors.Add("limit", $"limit must be between 1 and {MaxLimit} (was {limit}).");
        }

        if (!errors.IsEmpty)
        {
            return null;
        }

        return new SettlementQuery { IndexName = indexName!, From = fromDate!.Value, To = toDate!.Value, Limit = limit ?? DefaultLimit };
    }

    /// <summary>Null when the name looks like a Deribit index name (<c>base_quote</c>, lower case); the problem otherwise.</summary>
    public static string? ValidateIndexName(string? indexName)
    {
        if (string.IsNullOrWhiteSpace(indexName))
        {
            return "An index name is required (e.g. btc_usd, eth_usd, sol_usdc).";
        }

        var underscore = indexName.IndexOf('_', StringComparison.Ordinal);
        var wellFormed = indexName.Length <= 32
                         && underscore > 0 && underscore < indexName.Length - 1 && underscore == indexName.LastIndexOf('_')
                         && indexName.All(c => c == '_' || char.IsAsciiDigit(c) || char.IsAsciiLetterLower(c));
        if (wellFormed)
        {
            return null;
        }

        var hint = indexName.Any(char.IsAsciiLetterUpper) && ValidateIndexName(indexName.ToLowerInvariant()) is null
            ? $" Index names are lower case: did you mean {indexName.ToLowerInvariant()}?"
            : "";
        return $"'{InstrumentRequests.Printable(indexName)}' is not a Deribit index name: base and quote currency in lower case joined by '_' (btc_usd, eth_usd, sol_usdc).{hint}";
    }

    /// <summary>A <c>yyyy-MM-dd</c> date; null (and an error unless the text is empty) when it is not one.</summary>
    public static DateOnly? ParseDate(string parameter, string? text, RequestErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var trimmed = text.Trim();
        if (!DateOnly.TryParseExact(trimmed, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            errors.Add(parameter, $"{parameter} '{InstrumentRequests.Printable(trimmed)}' is not a date of the form yyyy-MM-dd (e.g. 2024-12-27).");
            return null;
        }

        if (date < Earliest || date > Latest)
        {
            errors.Add(parameter, $"{parameter} {Format(date)} is outside 2010..2099.");
            return null;
        }

        return date;
    }

    public static string Format(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
