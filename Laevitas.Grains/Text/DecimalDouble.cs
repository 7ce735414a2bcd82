namespace Laevitas.Grains.Text;

/// <summary>
/// Exact fast path for turning a JSON number into a <see cref="double"/>: the writer reads about twenty of them per
/// tick, and the general parser behind <c>Utf8JsonReader.TryGetDouble</c> took a large share of the writer's parse
/// time in a profile of the silo under load (the figures: bench/results.md, "Number parsing").
/// </summary>
/// <remarks>
/// Prices, amounts and greeks arrive with at most 15-17 significant digits and small exponents. When the digits fit
/// in 2^53 and the decimal exponent is within ±22, both the digits and the power of ten are exact doubles, and one
/// IEEE multiplication or division rounds their product correctly (Clinger's fast path), so the result is the same
/// double the general parser returns. Anything else returns false and the caller uses the general parser.
/// </remarks>
public static class DecimalDouble
{
    private const ulong MaxExactMantissa = 1UL << 53;
    private const int MaxDigits = 19;

    private static ReadOnlySpan<double> PowersOfTen =>
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    /// <summary>
    /// Parses <paramref name="number"/>, the text of a JSON number (<c>-?digits[.digits][(e|E)[+-]digits]</c>), when
    /// that can be done exactly on the fast path; false otherwise (the value is then unspecified).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> number, out double value)
    {
        value = 0;
        var i = 0;
        var negative = false;
        if (i < number.Length && number[i] == '-')
        {
            negative = true;
            i++;
        }

        ulong mantissa = 0;
        var digits = 0;
        var exponent = 0;
        var integerStart = i;
        for (; i < number.Length && IsDigit(number[i]); i++)
        {
            if (!Accumulate(number[i], ref mantissa, ref digits))
            {
                return false;
            }
        }

        // JSON has no ".5"; the reader has validated the token, this only keeps the method honest on its own.
        if (i == integerStart)
        {
            return false;
        }

        if (i < number.Length && number[i] == '.')
        {
            i++;
            for (; i < number.Length && IsDigit(number[i]); i++)
            {
                if (!Accumulate(number[i], ref mantissa, ref digits))
                {
                    return false;
                }

                exponent--;
            }
        }

        if (i < number.Length && (number[i] | 0x20) == 'e')
        {
            i++;
            var exponentNegative = false;
            if (i < number.Length && number[i] is (byte)'+' or (byte)'-')
            {
                exponentNegative = number[i] == '-';
                i++;
            }

            var written = 0;
            var start = i;
            for (; i < number.Length && IsDigit(number[i]); i++)
            {
                // Four digits are far beyond any exponent the fast path takes; stop before overflowing.
                if (i - start >= 4)
                {
                    return false;
                }

                written = written * 10 + (number[i] - '0');
            }

            if (i == start)
            {
                return false;
            }

            exponent += exponentNegative ? -written : written;
        }

        if (i != number.Length || mantissa > MaxExactMantissa || exponent is < -22 or > 22)
        {
            return false;
        }

        var magnitude = (double)mantissa;
        magnitude = exponent >= 0 ? magnitude * PowersOfTen[exponent] : magnitude / PowersOfTen[-exponent];
        value = negative ? -magnitude : magnitude;
        return true;
    }

    private static bool IsDigit(byte c) => (uint)(c - '0') <= 9;

    // Leading zeros are not significant (0.000123 is 123e-6); more than 19 significant digits could overflow.
    private static bool Accumulate(byte c, ref ulong mantissa, ref int digits)
    {
        if (mantissa == 0 && c == '0')
        {
            return true;
        }

        if (++digits > MaxDigits)
        {
            return false;
        }

        mantissa = mantissa * 10 + (ulong)(c - '0');
        return true;
    }
}
