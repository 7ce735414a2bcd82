using System.Globalization;
using Laevitas.Grains.Abstractions.Instruments;

namespace Laevitas.Tests.Grains.Instruments;

public class InstrumentNameParserTests
{
    // name, kind, currency, quote, expiry (yyyy-MM-dd), strike, option type, combo type
    [Theory]
    [InlineData("BTC-27DEC24-100000-C", InstrumentKind.Option, "BTC", null, "2024-12-27", "100000", 'C', null)]
    [InlineData("ETH-5AUG23-1800-P", InstrumentKind.Option, "ETH", null, "2023-08-05", "1800", 'P', null)]
    [InlineData("XRP_USDC-30MAY25-0d625-C", InstrumentKind.Option, "XRP", "USDC", "2025-05-30", "0.625", 'C', null)]
    [InlineData("DOGE_USDC-4OCT24-0d0704-C", InstrumentKind.Option, "DOGE", "USDC", "2024-10-04", "0.0704", 'C', null)]
    [InlineData("SOL_USDC-28MAR25-142d5-P", InstrumentKind.Option, "SOL", "USDC", "2025-03-28", "142.5", 'P', null)]
    [InlineData("BTC-29FEB28-60000-C", InstrumentKind.Option, "BTC", null, "2028-02-29", "60000", 'C', null)]
    [InlineData("BTC-27DEC24", InstrumentKind.Future, "BTC", null, "2024-12-27", null, null, null)]
    [InlineData("BTC-5AUG23", InstrumentKind.Future, "BTC", null, "2023-08-05", null, null, null)]
    [InlineData("ETH_USDC-28MAR25", InstrumentKind.Future, "ETH", "USDC", "2025-03-28", null, null, null)]
    [InlineData("BTC-PERPETUAL", InstrumentKind.Perpetual, "BTC", null, null, null, null, null)]
    [InlineData("SOL_USDC-PERPETUAL", InstrumentKind.Perpetual, "SOL", "USDC", null, null, null, null)]
    [InlineData("1INCH_USDC-PERPETUAL", InstrumentKind.Perpetual, "1INCH", "USDC", null, null, null, null)]
    [InlineData("BTC-FS-27DEC24_PERP", InstrumentKind.FutureCombo, "BTC", null, "2024-12-27", null, null, "FS")]
    [InlineData("BTC-FS-31DEC21-PERP", InstrumentKind.FutureCombo, "BTC", null, "2021-12-31", null, null, "FS")]
    [InlineData("ETH-FS-28MAR25_27DEC24", InstrumentKind.FutureCombo, "ETH", null, "2024-12-27", null, null, "FS")]
    [InlineData("BTC-CS-27DEC24-60000_65000", InstrumentKind.OptionCombo, "BTC", null, "2024-12-27", null, null, "CS")]
    [InlineData("BTC-STRG-27DEC24-50000_70000", InstrumentKind.OptionCombo, "BTC", null, "2024-12-27", null, null, "STRG")]
    [InlineData("ETH-STRD-5JAN25-3500", InstrumentKind.OptionCombo, "ETH", null, "2025-01-05", null, null, "STRD")]
    [InlineData("BTC-BOX-27DEC24-60000_70000", InstrumentKind.OptionCombo, "BTC", null, "2024-12-27", null, null, "BOX")]
    [InlineData("ETH-PCAL-28MAR25_27DEC24-3000", InstrumentKind.OptionCombo, "ETH", null, "2024-12-27", null, null, "PCAL")]
    [InlineData("BTC_USDC", InstrumentKind.Spot, "BTC", "USDC", null, null, null, null)]
    [InlineData("ETH_BTC", InstrumentKind.Spot, "ETH", "BTC", null, null, null, null)]
    public void ParsesRealShapedNames(
        string name, InstrumentKind kind, string? currency, string? quote, string? expiry, string? strike, char? optionType, string? comboType)
    {
        var parsed = InstrumentNameParser.Parse(name);

        Assert.Equal(name, parsed.Raw);
        Assert.Equal(kind, parsed.Kind);
        Assert.Equal(currency, parsed.Currency);
        Assert.Equal(quote, parsed.QuoteCurrency);
        Assert.Equal(expiry is null ? null : DateOnly.ParseExact(expiry, "yyyy-MM-dd", CultureInfo.InvariantCulture), parsed.Expiry);
        Assert.Equal(strike is null ? null : decimal.Parse(strike, CultureInfo.InvariantCulture), parsed.Strike);
        Assert.Equal(optionType, parsed.OptionType);
        Assert.Equal(comboType, parsed.ComboType);
    }

    [Theory]
    [InlineData("")]
    [InlineData("'); DROP TABLE --")]
    [InlineData("BTC-32DEC24-1-C")]
    [InlineData("BTC-29FEB25-60000-C")]
    [InlineData("BTC-27DEC24-100000-X")]
    [InlineData("BTC-27DEC24-100000")]
    [InlineData("BTC-27DEC24-100000-C-EXTRA")]
    [InlineData("BTC-27dec24")]
    [InlineData("BTC-027DEC24")]
    [InlineData("BTC-27DEC24-d5-C")]
    [InlineData("BTC-27DEC24-5d-C")]
    [InlineData("BTC-27DEC24-1d2d3-C")]
    [InlineData("BTC-27DEC24-99999999999999999999999999999999-C")]
    [InlineData("btc-PERPETUAL")]
    [InlineData("BTC")]
    [InlineData("BTC-")]
    [InlineData("-PERPETUAL")]
    [InlineData("BTC_-PERPETUAL")]
    [InlineData("BTC-FS-PERP")]
    [InlineData("BTC-FS-27DEC24_")]
    [InlineData("BTC-FS-27DEC24_60000")]
    [InlineData("BTC-CS-27DEC24_PERP")]
    [InlineData("BTC-CS-27DEC24-60000_65000_")]
    [InlineData("BTC-A-B-C-D-E-F-G-H-I")]
    [InlineData("BTC\u00a0-PERPETUAL")]
    [InlineData("BTC-27DEC24-100000-C\0")]
    public void GarbageKeepsRawNameAndNoParts(string name)
    {
        AssertUnknown(name, InstrumentNameParser.Parse(name));
    }

    [Fact]
    public void VeryLongNameIsUnknown()
    {
        var name = "BTC-" + new string('9', 100_000) + "-C";
        AssertUnknown(name, InstrumentNameParser.Parse(name));
    }

    [Fact]
    public void NullIsTreatedAsEmpty()
    {
        AssertUnknown("", InstrumentNameParser.Parse((string?)null));
    }

    [Fact]
    public void SpanOverloadAgreesWithStringOverload()
    {
        const string name = "XRP_USDC-30MAY25-0d625-C";
        var buffer = ("xx" + name + "yy").AsSpan(2, name.Length);

        var fromSpan = InstrumentNameParser.Parse(buffer);

        Assert.Equal(InstrumentNameParser.Parse(name), fromSpan);
    }

    [Fact]
    public void RepeatedParseOfKnownNameDoesNotAllocate()
    {
        var name = new string("ETH-28MAR25-4000-C".AsSpan()); // not interned: the cache must compare by value
        var first = InstrumentNameParser.Parse(name);
        var before = GC.GetAllocatedBytesForCurrentThread();
        ParsedInstrumentName last = first;
        for (var i = 0; i < 1_000; i++)
        {
            last = InstrumentNameParser.Parse(name);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Same(first, last);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void ExpiryInstantIsEightUtc()
    {
        var parsed = InstrumentNameParser.Parse("BTC-5AUG23");

        Assert.Equal(new DateTimeOffset(2023, 8, 5, 8, 0, 0, TimeSpan.Zero), parsed.ExpiresAt);
    }

    private static void AssertUnknown(string raw, ParsedInstrumentName parsed)
    {
        Assert.Equal(raw, parsed.Raw);
        Assert.Equal(InstrumentKind.Unknown, parsed.Kind);
        Assert.Null(parsed.Currency);
        Assert.Null(parsed.QuoteCurrency);
        Assert.Null(parsed.Expiry);
        Assert.Null(parsed.Strike);
        Assert.Null(parsed.OptionType);
        Assert.Null(parsed.ComboType);
        Assert.Null(parsed.ExpiresAt);
    }
}
