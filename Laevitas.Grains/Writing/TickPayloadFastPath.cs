using System.Buffers;
using System.Buffers.Text;
using System.Text;
using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Grains.Text;

using Field = Laevitas.Grains.Abstractions.History.TickerField;

namespace Laevitas.Grains.Writing;

/// <summary>
/// Reads a ticker's <c>data</c> JSON the way the exchange writes it, in one pass over the bytes without a general
/// JSON reader: an object of known fields whose values are plain ASCII strings, numbers or null, with
/// <c>greeks</c> and <c>stats</c> as objects of known numeric fields. Whatever else it meets (an escape or a byte
/// outside ASCII in a string, a field without a column, a value of an unexpected type, anything malformed) makes it
/// give up, and <see cref="TickPayloadParser"/> reads the payload again with
/// <see cref="System.Text.Json.Utf8JsonReader"/>, which decides. So for a payload it takes, it fills the row exactly
/// as that reader would, and it never accepts what the reader would refuse (TickPayloadFastPathTests compare the two
/// on recordings, on payloads changed on purpose and on 20,000 random one-byte changes).
/// </summary>
/// <remarks>
/// Why: the writer parsed every tick with <see cref="System.Text.Json.Utf8JsonReader"/>, and that was about an
/// eighth of the silo's CPU at 50,000 ticks/s (bench/results.md, "Where a tick's CPU goes at 50,000 ticks/s"; the
/// figures of this change: "The writer's fast path").
/// </remarks>
internal static class TickPayloadFastPath
{
    // Printable ASCII but the quote and the backslash: a string's bytes up to its closing quote.
    private static readonly SearchValues<byte> Printable = SearchValues.Create(
        [.. Enumerable.Range(0x20, 0x7F - 0x20).Where(b => b is not '"' and not '\\').Select(b => (byte)b)]);

    /// <summary>
    /// Fills <paramref name="row"/> (its fields, not the enrichment) when the payload is in the shape described above;
    /// false otherwise, with <paramref name="row"/> in an unspecified state.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> json, ref DeribitPriceRow row, out ParsedInstrumentName? instrument, out bool hasTimestamp)
    {
        instrument = null;
        hasTimestamp = false;
        // Instrument and index names are decoded here (both at most InstrumentNameParser.MaxNameLength characters).
        Span<char> chars = stackalloc char[InstrumentNameParser.MaxNameLength];
        var i = SkipWhitespace(json, 0);
        if (i >= json.Length || json[i] != '{')
        {
            return false;
        }

        i = SkipWhitespace(json, i + 1);
        if (i < json.Length && json[i] == '}')
        {
            return End(json, i + 1);
        }

        while (true)
        {
            if (!TryReadName(json, ref i, out var name))
            {
                return false;
            }

            var field = TickPayloadParser.IdentifyTopLevel(name);
            switch (field)
            {
                case Field.InstrumentName:
                    if (!TryReadString(json, ref i, out var nameText) || nameText.Length is 0 or > InstrumentNameParser.MaxNameLength)
                    {
                        return false;
                    }

                    instrument = InstrumentNameParser.Parse(Chars(nameText, chars));
                    TickPayloadParser.MarkPresent(ref row, field);
                    break;
                case Field.Timestamp:
                    if (!TryReadTimestamp(json, ref i, out row.Timestamp))
                    {
                        return false;
                    }

                    hasTimestamp = true;
                    TickPayloadParser.MarkPresent(ref row, field);
                    break;
                case Field.State:
                    if (!TryReadKnown(json, ref i, out row.State, "open"u8, "open", "closed"u8, "closed", "settlement"u8, "settlement", "delivered"u8, "delivered"))
                    {
                        return false;
                    }

                    TickPayloadParser.MarkPresent(ref row, field);
                    break;
                case Field.ComboState:
                    if (!TryReadKnown(json, ref i, out row.ComboState, "active"u8, "active", "inactive"u8, "inactive", default, null, default, null))
                    {
                        return false;
                    }

                    TickPayloadParser.MarkPresent(ref row, field);
                    break;
                case Field.UnderlyingIndex:
                    if (IsNull(json, ref i))
                    {
                        row.UnderlyingIndex = null;
                    }
                    else if (TryReadString(json, ref i, out var index) && index.Length <= TickPayloadParser.MaxIndexNameLength)
                    {
                        row.UnderlyingIndex = TickPayloadParser.IndexNames.Get(Chars(index, chars));
                    }
                    else
                    {
                        return false;
                    }

                    TickPayloadParser.MarkPresent(ref row, field);
                    break;
                case Field.Greeks or Field.Stats:
                    // "greeks": null is kept as an extra by the reader; only an object is read here.
                    if (!TryReadNested(json, ref i, field, ref row))
                    {
                        return false;
                    }

                    TickPayloadParser.MarkPresent(ref row, field);
                    break;
                case TickPayloadParser.UnknownField:
                    return false;
                default:
                    if (!TryReadNumber(json, ref i, out var value))
                    {
                        return false;
                    }

                    TickPayloadParser.SetNumber(ref row, field, value);
                    break;
            }

            i = SkipWhitespace(json, i);
            if (i >= json.Length)
            {
                return false;
            }

            if (json[i] == '}')
            {
                return End(json, i + 1);
            }

            if (json[i] != ',')
            {
                return false;
            }

            i = SkipWhitespace(json, i + 1);
        }
    }

    private static bool TryReadNested(ReadOnlySpan<byte> json, ref int i, Field parent, ref DeribitPriceRow row)
    {
        if (i >= json.Length || json[i] != '{')
        {
            return false;
        }

        i = SkipWhitespace(json, i + 1);
        if (i < json.Length && json[i] == '}')
        {
            i++;
            return true;
        }

        while (true)
        {
            if (!TryReadName(json, ref i, out var name))
            {
                return false;
            }

            var field = TickPayloadParser.IdentifyNested(parent, name);
            if (field == TickPayloadParser.UnknownField || !TryReadNumber(json, ref i, out var value))
            {
                return false;
            }

            TickPayloadParser.SetNumber(ref row, field, value);
            i = SkipWhitespace(json, i);
            if (i >= json.Length)
            {
                return false;
            }

            if (json[i] == '}')
            {
                i++;
                return true;
            }

            if (json[i] != ',')
            {
                return false;
            }

            i = SkipWhitespace(json, i + 1);
        }
    }

    /// <summary>A property name and its colon; leaves <paramref name="i"/> at the value.</summary>
    private static bool TryReadName(ReadOnlySpan<byte> json, ref int i, out ReadOnlySpan<byte> name)
    {
        if (!TryReadString(json, ref i, out name))
        {
            return false;
        }

        i = SkipWhitespace(json, i);
        if (i >= json.Length || json[i] != ':')
        {
            return false;
        }

        i = SkipWhitespace(json, i + 1);
        return true;
    }

    /// <summary>A string of printable ASCII without escapes; anything else is left to the reader.</summary>
    private static bool TryReadString(ReadOnlySpan<byte> json, ref int i, out ReadOnlySpan<byte> text)
    {
        text = default;
        if (i >= json.Length || json[i] != '"')
        {
            return false;
        }

        var rest = json[(i + 1)..];
        var length = rest.IndexOfAnyExcept(Printable);
        if (length < 0 || rest[length] != '"')
        {
            return false;
        }

        text = rest[..length];
        i += length + 2;
        return true;
    }

    private static bool TryReadKnown(ReadOnlySpan<byte> json, ref int i, out string? value,
        ReadOnlySpan<byte> a, string? aValue, ReadOnlySpan<byte> b, string? bValue, ReadOnlySpan<byte> c, string? cValue, ReadOnlySpan<byte> d, string? dValue)
    {
        value = null;
        if (IsNull(json, ref i))
        {
            return true;
        }

        if (!TryReadString(json, ref i, out var text))
        {
            return false;
        }

        // The documented values only: another is kept as sent by the reader, with its own checks.
        value = text.SequenceEqual(a) ? aValue
            : text.SequenceEqual(b) ? bValue
            : cValue is not null && text.SequenceEqual(c) ? cValue
            : dValue is not null && text.SequenceEqual(d) ? dValue
            : null;
        return value is not null;
    }

    private static bool IsNull(ReadOnlySpan<byte> json, ref int i)
    {
        if (json[i..].StartsWith("null"u8) && IsDelimiter(json, i + 4))
        {
            i += 4;
            return true;
        }

        return false;
    }

    /// <summary>A finite JSON number, or null; false for anything else.</summary>
    private static bool TryReadNumber(ReadOnlySpan<byte> json, ref int i, out double? value)
    {
        value = null;
        if (IsNull(json, ref i))
        {
            return true;
        }

        var end = NumberEnd(json, i);
        if (end < 0)
        {
            return false;
        }

        // As the reader: the exact fast path, else the general parser behind Utf8JsonReader.TryGetDouble (real
        // tickers carry numbers such as "interest_value":0.0028213400122472977, past the fast path's 2^53 digits).
        var text = json[i..end];
        if (!DecimalDouble.TryParse(text, out var number) && !(Utf8Parser.TryParse(text, out number, out var consumed) && consumed == text.Length))
        {
            return false;
        }

        if (!double.IsFinite(number))
        {
            return false;
        }

        value = number;
        i = end;
        return true;
    }

    /// <summary>An integer of milliseconds in the range the reader accepts; anything else is left to the reader.</summary>
    private static bool TryReadTimestamp(ReadOnlySpan<byte> json, ref int i, out long timestamp)
    {
        timestamp = 0;
        var end = NumberEnd(json, i);
        // Thirteen digits until the year 2286; more, a sign or a fraction is the reader's to judge.
        if (end < 0 || end - i > 13 || json[i] is < (byte)'1' or > (byte)'9')
        {
            return false;
        }

        for (var k = i; k < end; k++)
        {
            if (json[k] is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            timestamp = (timestamp * 10) + (json[k] - '0');
        }

        if (timestamp is < TickPayloadParser.MinTimestampMs or > TickPayloadParser.MaxTimestampMs)
        {
            return false;
        }

        i = end;
        return true;
    }

    /// <summary>
    /// The end of the JSON number at <paramref name="start"/> (RFC 8259: <c>-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</c>)
    /// when a delimiter follows it, else -1.
    /// </summary>
    internal static int NumberEnd(ReadOnlySpan<byte> json, int start)
    {
        var i = start;
        if (i < json.Length && json[i] == '-')
        {
            i++;
        }

        if (i >= json.Length || !IsDigit(json[i]))
        {
            return -1;
        }

        if (json[i] == '0')
        {
            i++;
        }
        else
        {
            i = Digits(json, i);
        }

        if (i < json.Length && json[i] == '.')
        {
            var fraction = i + 1;
            i = Digits(json, fraction);
            if (i == fraction)
            {
                return -1;
            }
        }

        if (i < json.Length && json[i] is (byte)'e' or (byte)'E')
        {
            i++;
            if (i < json.Length && json[i] is (byte)'+' or (byte)'-')
            {
                i++;
            }

            var exponent = i;
            i = Digits(json, exponent);
            if (i == exponent)
            {
                return -1;
            }
        }

        return IsDelimiter(json, i) ? i : -1;
    }

    private static int Digits(ReadOnlySpan<byte> json, int i)
    {
        while (i < json.Length && IsDigit(json[i]))
        {
            i++;
        }

        return i;
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    // What may follow a value inside an object: whitespace, a comma or the closing brace (the end of the payload is
    // not: the object is not closed yet, which the caller finds out).
    private static bool IsDelimiter(ReadOnlySpan<byte> json, int i) =>
        i < json.Length && json[i] is (byte)',' or (byte)'}' or (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    private static int SkipWhitespace(ReadOnlySpan<byte> json, int i)
    {
        while (i < json.Length && json[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            i++;
        }

        return i;
    }

    // Only whitespace may follow the closing brace.
    private static bool End(ReadOnlySpan<byte> json, int i) => SkipWhitespace(json, i) == json.Length;

    private static ReadOnlySpan<char> Chars(ReadOnlySpan<byte> ascii, Span<char> buffer)
    {
        var length = Encoding.ASCII.GetChars(ascii, buffer);
        return buffer[..length];
    }
}
