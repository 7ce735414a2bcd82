using System.Globalization;
using System.Text;
using Laevitas.Grains.Text;
using Laevitas.Streaming.Kafka.Providers;

namespace Laevitas.Tests.Grains.Text;

public class DecimalDoubleTests
{
    [Theory]
    [InlineData("96123.5")]
    [InlineData("0.0123")]
    [InlineData("-0.25")]
    [InlineData("1.5e-05")]
    [InlineData("2E+3")]
    [InlineData("42")]
    [InlineData("0")]
    [InlineData("0.0")]
    [InlineData("3.14159265358979")]
    [InlineData("0.00002")]
    [InlineData("9007199254740992")]
    [InlineData("123456789012345e-22")]
    [InlineData("0.1234567890123456")]
    public void TypicalExchangeNumbersTakeTheFastPathAndMatchTheGeneralParser(string text)
    {
        Assert.True(DecimalDouble.TryParse(Encoding.ASCII.GetBytes(text), out var value));
        Assert.Equal(BitConverter.DoubleToInt64Bits(double.Parse(text, CultureInfo.InvariantCulture)), BitConverter.DoubleToInt64Bits(value));
    }

    [Fact]
    public void NegativeZeroKeepsItsSign()
    {
        Assert.True(DecimalDouble.TryParse("-0.0"u8, out var value));
        Assert.True(double.IsNegative(value));
        Assert.Equal(0.0, value);
    }

    [Theory]
    [InlineData("1e23")]                    // power of ten not exact
    [InlineData("1e-23")]
    [InlineData("9007199254740993")]        // digits above 2^53
    [InlineData("0.30000000000000004")]
    [InlineData("12345678901234567890")]    // more than 19 significant digits
    [InlineData("1.7976931348623157e308")]
    [InlineData("1e10000")]
    [InlineData("")]
    [InlineData("-")]
    [InlineData(".5")]
    [InlineData("1e")]
    [InlineData("1.5x")]
    public void NumbersOutsideTheExactRangeOrMalformedAreLeftToTheGeneralParser(string text)
    {
        Assert.False(DecimalDouble.TryParse(Encoding.ASCII.GetBytes(text), out _));
    }

    [Fact]
    public void EveryAcceptedNumberIsTheDoubleTheGeneralParserReturns()
    {
        // Random prices, amounts and greeks in the shapes JSON writers produce ("R", fixed, exponent), plus integers.
        var random = new Random(20261204);
        var accepted = 0;
        const int Count = 200_000;
        for (var n = 0; n < Count; n++)
        {
            var magnitude = Math.Pow(10, random.Next(-12, 12));
            var x = (random.NextDouble() - 0.3) * magnitude;
            var text = (n % 5) switch
            {
                0 => x.ToString("R", CultureInfo.InvariantCulture),
                1 => x.ToString("F" + random.Next(0, 10), CultureInfo.InvariantCulture),
                2 => x.ToString("E" + random.Next(0, 16), CultureInfo.InvariantCulture),
                3 => Math.Round(x, random.Next(0, 6)).ToString(CultureInfo.InvariantCulture),
                _ => ((long)x).ToString(CultureInfo.InvariantCulture),
            };

            if (DecimalDouble.TryParse(Encoding.ASCII.GetBytes(text), out var value))
            {
                accepted++;
                var expected = double.Parse(text, CultureInfo.InvariantCulture);
                Assert.True(
                    BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(value),
                    $"{text}: fast path {value:R}, general parser {expected:R}");
            }
        }

        // Most of these are on the fast path; otherwise it would not be worth having.
        Assert.True(accepted > Count * 3 / 4, $"only {accepted} of {Count} took the fast path");
    }
}
