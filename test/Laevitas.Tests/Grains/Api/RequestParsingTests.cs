using Laevitas.Grains.Abstractions.Api;
using Laevitas.Grains.Abstractions.History;
using Laevitas.Grains.Abstractions.Instruments;

namespace Laevitas.Tests.Grains.Api;

/// <summary>The parameter rules the API and the client share, without a cluster.</summary>
public sealed class RequestParsingTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("BTC-27DEC24-100000-C")]
    [InlineData("BTC-5AUG23")]
    [InlineData("BTC-PERPETUAL")]
    [InlineData("XRP_USDC-30MAY25-0d625-C")]
    [InlineData("BTC-FS-27DEC24_PERP")]
    [InlineData("BTC_USDC")]
    public void RealNamesAreAccepted(string name) => Assert.Null(InstrumentRequests.ValidateName(name));

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("BTC PERPETUAL", "only letters, digits, '-' and '_'")]
    [InlineData("BTC-27DEC24-100000-X", "is not a Deribit instrument name")]
    [InlineData("xrp_usdc-30may25-0d625-c", "did you mean XRP_USDC-30MAY25-0d625-C?")]
    public void MalformedNamesSayWhy(string name, string message) =>
        Assert.Contains(message, InstrumentRequests.ValidateName(name), StringComparison.Ordinal);

    [Fact]
    public void ListQueryAcceptsBothDateFormsAndRanges()
    {
        var errors = new RequestErrors();
        var exact = InstrumentRequests.TryBuildListQuery("eth", "future-combo", "27DEC24", "Expired", 5, errors)!;
        Assert.True(errors.IsEmpty, errors.ToString());
        Assert.Equal(("ETH", InstrumentKind.FutureCombo, new DateOnly(2024, 12, 27), new DateOnly(2024, 12, 27), InstrumentStatus.Expired, 5),
            (exact.Currency, exact.Kind, exact.ExpiryFrom, exact.ExpiryTo, exact.Status, exact.Limit));

        var open = InstrumentRequests.TryBuildListQuery(null, null, "2025-01-01..", null, null, errors)!;
        Assert.Equal((new DateOnly(2025, 1, 1), (DateOnly?)null, InstrumentRequests.MaxListLimit), (open.ExpiryFrom, open.ExpiryTo, open.Limit));

        Assert.Null(InstrumentRequests.TryBuildListQuery(null, null, "2025-02-01..2025-01-01", null, null, errors));
        Assert.Contains("ends before it starts", errors.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void HistoryDefaultsToTheLastHourUpToNow()
    {
        var errors = new RequestErrors();
        var query = HistoryRequests.TryBuild("BTC-PERPETUAL", null, null, null, Now, errors)!;
        Assert.True(errors.IsEmpty, errors.ToString());
        Assert.Equal((Now.AddHours(-1).ToUnixTimeMilliseconds(), Now.ToUnixTimeMilliseconds(), HistoryRequests.DefaultLimit), (query.FromMs, query.ToMs, query.Limit));
    }

    [Fact]
    public void HistoryReadsIsoWithoutOffsetAsUtcAndUnixMilliseconds()
    {
        var errors = new RequestErrors();
        var query = HistoryRequests.TryBuild("BTC-PERPETUAL", "2025-05-31T08:00:00", "1748764800000", 10, Now, errors)!;
        Assert.True(errors.IsEmpty, errors.ToString());
        Assert.Equal(new DateTimeOffset(2025, 5, 31, 8, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), query.FromMs);
        Assert.Equal(1748764800000, query.ToMs);
    }

    [Fact]
    public void HistoryCollectsEveryProblem()
    {
        var errors = new RequestErrors();
        Assert.Null(HistoryRequests.TryBuild("nope", "soon", "1700000000", 0, Now, errors));
        var messages = errors.ToDictionary();
        Assert.Equal(["from", "limit", "name", "to"], messages.Keys.Order().ToArray());
        Assert.Contains("Unix times are in milliseconds", messages["to"][0], StringComparison.Ordinal);
    }
}
