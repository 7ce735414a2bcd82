using System.Collections.Concurrent;
using System.Globalization;

namespace Laevitas.Grains.Abstractions.Instruments;

/// <summary>
/// Splits Deribit instrument names into currency, expiry, strike, option type and kind. Never throws:
/// a name it does not recognise comes back as <see cref="InstrumentKind.Unknown"/> with only the raw name.
/// </summary>
/// <remarks>
/// The tick writer calls this once per tick, so it works on spans (no <c>string.Split</c>, no regex) and
/// remembers recognised names: the market has a few thousand live instruments, so after warm-up a parse is
/// one dictionary lookup and no allocation. Unknown names are not cached so garbage cannot fill the cache.
/// </remarks>
public static class InstrumentNameParser
{
    /// <summary>Deribit expiries settle at 08:00 UTC.</summary>
    public static readonly TimeOnly ExpiryTimeOfDay = new(8, 0);

    /// <summary>Longer than any real name (combos are the longest, ~40 chars); longer input is garbage.</summary>
    public const int MaxNameLength = 96;

    // Bounded so that a feed of ever-new (e.g. daily-expiring) names cannot grow memory without limit;
    // past the bound names are still parsed, just not remembered.
    private const int MaxCachedNames = 65_536;
    private const int MaxCurrencyLength = 16;
    private const int MaxStrikeLength = 24;
    private const int MaxComboTypeLength = 8;

    private static readonly ConcurrentDictionary<string, ParsedInstrumentName> Cache = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, ParsedInstrumentName>.AlternateLookup<ReadOnlySpan<char>> SpanCache =
        Cache.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Parses <paramref name="name"/>; null is treated as the empty name.</summary>
    public static ParsedInstrumentName Parse(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return new ParsedInstrumentName { Raw = name ?? "" };
        }

        if (Cache.TryGetValue(name, out var cached))
        {
            return cached;
        }

        var parsed = ParseCore(name, name);
        Remember(name, parsed);
        return parsed;
    }

    /// <summary>Parses a name held in a span (e.g. decoded from a Kafka key); allocates only on a cache miss.</summary>
    public static ParsedInstrumentName Parse(ReadOnlySpan<char> name)
    {
        if (SpanCache.TryGetValue(name, out var cached))
        {
            return cached;
        }

        var raw = name.ToString();
        var parsed = ParseCore(raw, raw);
        Remember(raw, parsed);
        return parsed;
    }

    private static void Remember(string name, ParsedInstrumentName parsed)
    {
        if (parsed.Kind != InstrumentKind.Unknown && Cache.Count < MaxCachedNames)
        {
            Cache.TryAdd(name, parsed);
        }
    }

    private static ParsedInstrumentName ParseCore(string raw, ReadOnlySpan<char> s)
    {
        var unknown = new ParsedInstrumentName { Raw = raw };
        if (s.Length == 0 || s.Length > MaxNameLength)
        {
            return unknown;
        }

        // Real names have at most 5 dash-separated segments (BTC-FS-31DEC21-PERP, XRP_USDC-30MAY25-0d625-C);
        // with room for 8, a count of 8 means "too many" (the last range would hold the unsplit rest).
        Span<Range> segments = stackalloc Range[8];
        var count = s.Split(segments, '-');
        if (count == segments.Length)
        {
            return unknown;
        }

        if (!TryParseCurrencyPair(s[segments[0]], out var currency, out var quote))
        {
            return unknown;
        }

        switch (count)
        {
            case 1:
                // A bare pair is spot (BTC_USDC); a bare currency is not an instrument.
                return quote.Length == 0
                    ? unknown
                    : Build(raw, InstrumentKind.Spot, currency, quote, null, null, null, null);

            case 2:
            {
                var second = s[segments[1]];
                if (second.SequenceEqual("PERPETUAL"))
                {
                    return Build(raw, InstrumentKind.Perpetual, currency, quote, null, null, null, null);
                }

                return TryParseExpiry(second, out var expiry)
                    ? Build(raw, InstrumentKind.Future, currency, quote, expiry, null, null, null)
                    : unknown;
            }

            default:
            {
                var second = s[segments[1]];
                if (TryParseExpiry(second, out var expiry))
                {
                    // CUR-EXPIRY-STRIKE-C|P is the only single-instrument shape with more than two segments.
                    if (count == 4
                        && TryParseStrike(s[segments[2]], out var strike)
                        && TryParseOptionType(s[segments[3]], out var optionType))
                    {
                        return Build(raw, InstrumentKind.Option, currency, quote, expiry, strike, optionType, null);
                    }

                    return unknown;
                }

                if (IsComboType(second))
                {
                    return ParseCombo(raw, s, segments[..count], currency, quote, second);
                }

                return unknown;
            }
        }
    }

    /// <summary>
    /// Combos: <c>CUR-CODE-LEGS...</c>, e.g. <c>BTC-FS-27DEC24_PERP</c>, <c>BTC-FS-31DEC21-PERP</c>,
    /// <c>BTC-CS-27DEC24-60000_65000</c>, <c>ETH-PCAL-27DEC24_28MAR25-3000</c>. Legs are joined with
    /// <c>_</c> or <c>-</c>; every leg token must be an expiry, a strike, <c>PERP</c>, or C/P, and at least one
    /// expiry must be present so that the earliest one can be reported.
    /// </summary>
    private static ParsedInstrumentName ParseCombo(
        string raw, ReadOnlySpan<char> s, ReadOnlySpan<Range> segments, string currency, string quote, ReadOnlySpan<char> code)
    {
        var isFutureCombo = code.SequenceEqual("FS");
        DateOnly? earliest = null;
        for (var i = 2; i < segments.Length; i++)
        {
            var segment = s[segments[i]];
            if (segment.Length == 0)
            {
                return new ParsedInstrumentName { Raw = raw };
            }

            while (segment.Length > 0)
            {
                var end = segment.IndexOf('_');
                var token = end < 0 ? segment : segment[..end];
                segment = end < 0 ? default : segment[(end + 1)..];
                if (end >= 0 && segment.Length == 0)
                {
                    return new ParsedInstrumentName { Raw = raw }; // trailing '_'
                }

                if (TryParseExpiry(token, out var legExpiry))
                {
                    if (earliest is null || legExpiry < earliest)
                    {
                        earliest = legExpiry;
                    }
                }
                else if (token.SequenceEqual("PERP") || token.SequenceEqual("PERPETUAL"))
                {
                    if (!isFutureCombo)
                    {
                        return new ParsedInstrumentName { Raw = raw };
                    }
                }
                else if (isFutureCombo
                         || !(TryParseStrike(token, out _) || TryParseOptionType(token, out _)))
                {
                    return new ParsedInstrumentName { Raw = raw };
                }
            }
        }

        if (earliest is null)
        {
            return new ParsedInstrumentName { Raw = raw };
        }

        var kind = isFutureCombo ? InstrumentKind.FutureCombo : InstrumentKind.OptionCombo;
        return Build(raw, kind, currency, quote, earliest, null, null, code.ToString());
    }

    private static ParsedInstrumentName Build(
        string raw, InstrumentKind kind, string currency, string quote, DateOnly? expiry, decimal? strike, char? optionType, string? comboType) =>
        new()
        {
            Raw = raw,
            Kind = kind,
            Currency = currency,
            QuoteCurrency = quote.Length == 0 ? null : quote,
            Expiry = expiry,
            Strike = strike,
            OptionType = optionType,
            ComboType = comboType,
        };

    /// <summary><c>BTC</c> or <c>XRP_USDC</c>; upper-case letters and digits only (<c>1INCH</c> exists).</summary>
    private static bool TryParseCurrencyPair(ReadOnlySpan<char> segment, out string currency, out string quote)
    {
        currency = "";
        quote = "";
        var underscore = segment.IndexOf('_');
        var basePart = underscore < 0 ? segment : segment[..underscore];
        var quotePart = underscore < 0 ? default : segment[(underscore + 1)..];
        if (!IsCurrencyCode(basePart) || (underscore >= 0 && !IsCurrencyCode(quotePart)))
        {
            return false;
        }

        currency = KnownCurrency(basePart) ?? basePart.ToString();
        quote = underscore < 0 ? "" : KnownCurrency(quotePart) ?? quotePart.ToString();
        return true;
    }

    private static bool IsCurrencyCode(ReadOnlySpan<char> code)
    {
        if (code.Length == 0 || code.Length > MaxCurrencyLength)
        {
            return false;
        }

        var hasLetter = false;
        foreach (var c in code)
        {
            if (c is >= 'A' and <= 'Z')
            {
                hasLetter = true;
            }
            else if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return hasLetter;
    }

    // Shares the string instances of the common codes between all parsed names.
    private static string? KnownCurrency(ReadOnlySpan<char> code) => code switch
    {
        "BTC" => "BTC",
        "ETH" => "ETH",
        "USDC" => "USDC",
        "USDT" => "USDT",
        "SOL" => "SOL",
        "XRP" => "XRP",
        _ => null,
    };

    private static bool IsComboType(ReadOnlySpan<char> code)
    {
        if (code.Length < 2 || code.Length > MaxComboTypeLength || code[0] is < 'A' or > 'Z')
        {
            return false;
        }

        foreach (var c in code)
        {
            if (c is not (>= 'A' and <= 'Z' or >= '0' and <= '9'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><c>5AUG23</c> or <c>27DEC24</c>: day not zero-padded, upper-case month, two-digit year (20YY).</summary>
    public static bool TryParseExpiry(ReadOnlySpan<char> text, out DateOnly expiry)
    {
        expiry = default;
        if (text.Length is not (6 or 7))
        {
            return false;
        }

        var dayLength = text.Length - 5;
        var day = 0;
        for (var i = 0; i < dayLength; i++)
        {
            var c = text[i];
            if (c is < '0' or > '9')
            {
                return false;
            }

            day = (day * 10) + (c - '0');
        }

        var month = text.Slice(dayLength, 3) switch
        {
            "JAN" => 1,
            "FEB" => 2,
            "MAR" => 3,
            "APR" => 4,
            "MAY" => 5,
            "JUN" => 6,
            "JUL" => 7,
            "AUG" => 8,
            "SEP" => 9,
            "OCT" => 10,
            "NOV" => 11,
            "DEC" => 12,
            _ => 0,
        };
        var y1 = text[dayLength + 3];
        var y2 = text[dayLength + 4];
        if (month == 0 || y1 is < '0' or > '9' || y2 is < '0' or > '9')
        {
            return false;
        }

        var year = 2000 + ((y1 - '0') * 10) + (y2 - '0');
        if (day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }

        expiry = new DateOnly(year, month, day);
        return true;
    }

    /// <summary><c>100000</c>, <c>0d625</c> (<c>d</c> is the decimal point); digits on both sides of the <c>d</c>.</summary>
    public static bool TryParseStrike(ReadOnlySpan<char> text, out decimal strike)
    {
        strike = 0;
        if (text.Length == 0 || text.Length > MaxStrikeLength)
        {
            return false;
        }

        Span<char> buffer = stackalloc char[MaxStrikeLength];
        var seenPoint = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is >= '0' and <= '9')
            {
                buffer[i] = c;
            }
            else if (c == 'd' && !seenPoint && i > 0 && i < text.Length - 1)
            {
                seenPoint = true;
                buffer[i] = '.';
            }
            else
            {
                return false;
            }
        }

        return decimal.TryParse(buffer[..text.Length], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out strike);
    }

    private static bool TryParseOptionType(ReadOnlySpan<char> text, out char optionType)
    {
        optionType = text is ['C'] ? 'C' : text is ['P'] ? 'P' : '\0';
        return optionType != '\0';
    }
}
