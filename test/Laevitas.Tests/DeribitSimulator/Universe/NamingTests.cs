using Laevitas.DeribitSimulator.Universe;

namespace Laevitas.Tests.DeribitSimulator.Universe;

public class NamingTests
{
    [Theory]
    [InlineData(0.625, "0d625")]
    [InlineData(0.0704, "0d0704")]
    [InlineData(1.125, "1d125")]
    [InlineData(100000, "100000")]
    [InlineData(2.5, "2d5")]
    public void StrikesUseDForTheDecimalPoint(double strike, string expected) =>
        Assert.Equal(expected, InstrumentNaming.FormatStrike(strike));

    [Theory]
    [InlineData(2025, 8, 5, "5AUG25")]
    [InlineData(2024, 12, 27, "27DEC24")]
    [InlineData(2026, 1, 2, "2JAN26")]
    public void ExpiriesHaveNoLeadingZero(int year, int month, int day, string expected) =>
        Assert.Equal(expected, InstrumentNaming.FormatExpiry(new DateTime(year, month, day, 8, 0, 0, DateTimeKind.Utc)));
}
