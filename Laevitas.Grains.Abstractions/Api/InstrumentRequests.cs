using System.Globalization;
using Laevitas.Grains.Abstractions.Instruments;

namespace Laevitas.Grains.Abstractions.Api;

/// <summary>
/// Checks and converts the parameters of instrument queries. Shared by the HTTP API and the client so both accept
/// the same input and reject it with the same messages.
/// </summary>
public static class InstrumentRequests
{
    /// <summary>Most instruments one listing returns.</summary>
    public const int MaxListLimit = 10_000;

    /// <summary>
    /// Null when <paramref name="name"/> can be a Deribit instrument name, otherwise why not. The name must have a shape
    /// the parser recognises (option, future, perpetual, combo, spot); names are case-sensitive as on the exchange.
    /// </summary>
    public static string? ValidateName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return "The instrument name is empty; expected e.g. BTC-27DEC24-100000-C, BTC-27DEC24 or BTC-PERPETUAL.";
        }

        if (name.Length > InstrumentNameParser.MaxNameLength)
        {
            return $"The instrument name is {name.Length} characters long; Deribit names are at most {InstrumentNameParser.MaxNameLength}.";
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return $"'{Printable(name)}' is not a Deribit instrument name: only letters, digits, '-' and '_' occur in them.";
            }
        }

        if (InstrumentNameParser.Parse(name).Kind == InstrumentKind.Unknown)
        {
            var hint = name.Any(char.IsAsciiLetterLower) && InstrumentNameParser.Parse(UpperExceptDecimalPoint(name)).Kind != InstrumentKind.Unknown
                ? $" Names are upper case: did you mean {UpperExceptDecimalPoint(name)}?"
                : "";
            return $"'{name}' is not a Deribit instrument name; expected e.g. BTC-27DEC24-100000-C (option), BTC-27DEC24 (future), " +
                   $"BTC-PERPETUAL, XRP_USDC-30MAY25-0d625-C or BTC-FS-27DEC24_PERP.{hint}";
        }

        return null;
    }

    /// <summary>
    /// Builds a registry query from text parameters. <paramref name="expiry"/> is a date (<c>2024-12-27</c> or Deribit's
    /// <c>27DEC24</c>) or a range <c>FROM..TO</c> with either end optional.
    /// </summary>
    public static InstrumentQuery? TryBuildListQuery(
        string? currency, string? kind, string? expiry, string? status, int? limit, RequestErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        string? currencyFilter = null;
        if (!string.IsNullOrWhiteSpace(currency))
        {
            currencyFilter = currency.Trim().ToUpperInvariant();
            if (currencyFilter.Length > 16 || !currencyFilter.All(char.IsAsciiLetterOrDigit))
            {
                errors.Add("currency", $"currency '{Printable(currency)}' is not a currency code (letters and digits, e.g. BTC, ETH, USDC).");
            }
        }

        InstrumentKind? kindFilter = null;
        if (!string.IsNullOrWhiteSpace(kind))
        {
            if (InstrumentKindNames.TryParse(kind, out var k))
            {
                kindFilter = k;
            }
            else
            {
                errors.Add("kind", $"kind '{Printable(kind)}' is not one of {InstrumentKindNames.Allowed}.");
            }
        }

        InstrumentStatus? statusFilter = null;
        if (!string.IsNullOrWhiteSpace(status))
        {
            if (InstrumentStatusNames.TryParse(status, out var s))
            {
                statusFilter = s;
            }
            else
            {
                errors.Add("status", $"status '{Printable(status)}' is not one of {InstrumentStatusNames.Allowed}.");
            }
        }

        DateOnly? expiryFrom = null, expiryTo = null;
        if (!string.IsNullOrWhiteSpace(expiry))
        {
            var text = expiry.Trim();
            var dots = text.IndexOf("..", StringComparison.Ordinal);
            if (dots < 0)
            {
                if (TryParseDate(text, out var day))
                {
                    expiryFrom = expiryTo = day;
                }
                else
                {
                    errors.Add("expiry", $"expiry '{Printable(text)}' is not a date: use 2024-12-27 or 27DEC24, or a range 2024-12-01..2024-12-31.");
                }
            }
            else
            {
                var fromText = text[..dots];
                var toText = text[(dots + 2)..];
                var ok = true;
                if (fromText.Length > 0)
                {
                    ok &= TryParseDate(fromText, out var from);
                    expiryFrom = from;
                }

                if (toText.Length > 0)
                {
                    ok &= TryParseDate(toText, out var to);
                    expiryTo = to;
                }

                if (!ok || (fromText.Length == 0 && toText.Length == 0))
                {
                    errors.Add("expiry", $"expiry range '{Printable(text)}' is not FROM..TO with dates like 2024-12-27 or 27DEC24 (either end may be left out).");
                }
                else if (expiryFrom > expiryTo)
                {
                    errors.Add("expiry", $"expiry range '{text}' ends before it starts.");
                }
            }
        }

        if (limit is < 1 or > MaxListLimit)
        {
            errors.Add("limit", $"limit must be between 1 and {MaxListLimit} (was {limit}).");
        }

        if (!errors.IsEmpty)
        {
            return null;
        }

        return new InstrumentQuery
        {
            Currency = currencyFilter,
            Kind = kindFilter,
            ExpiryFrom = expiryFrom,
            ExpiryTo = expiryTo,
            Status = statusFilter,
            Limit = limit ?? MaxListLimit,
        };
    }

    /// <summary><c>2024-12-27</c>, or Deribit's <c>27DEC24</c> / <c>5AUG23</c> (case-insensitive).</summary>
    public static bool TryParseDate(string text, out DateOnly date)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date))
        {
            return true;
        }

        // Deribit's date form is exactly what the name parser reads in a future's name; reuse it rather than repeat it.
        var parsed = InstrumentNameParser.Parse("X-" + text.ToUpperInvariant());
        if (parsed.Kind == InstrumentKind.Future && parsed.Expiry is { } expiry)
        {
            date = expiry;
            return true;
        }

        date = default;
        return false;
    }

    private static string UpperExceptDecimalPoint(string name)
    {
        // In linear option strikes 'd' is the decimal point (0d625) and stays lower case.
        var chars = name.ToUpperInvariant().ToCharArray();
        for (var i = 1; i < chars.Length - 1; i++)
        {
            if (chars[i] == 'D' && char.IsAsciiDigit(chars[i - 1]) && char.IsAsciiDigit(chars[i + 1]))
            {
                chars[i] = 'd';
            }
        }

        return new string(chars);
    }

    /// <summary>Echoes user input in a message without control characters or unbounded length.</summary>
    public static string Printable(string text)
    {
        var shown = text.Length > 100 ? text[..100] + "…" : text;
        return new string(shown.Select(c => char.IsControl(c) ? '?' : c).ToArray());
    }
}
