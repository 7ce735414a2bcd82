using System.Text;
using Laevitas.Feed;
using Laevitas.Grains.Abstractions.Indexes;

namespace Laevitas.Tests.Feed;

/// <summary>
/// The index channels' notifications, in the shapes docs.deribit.com shows for each channel (the data objects below are
/// its examples, verbatim): https://docs.deribit.com/subscriptions/market-data/deribit_price_indexindex_name,
/// …/deribit_volatility_indexindex_name and …/estimated_expiration_priceindex_name; the envelope is the example
/// notification of https://docs.deribit.com/articles/notifications.
/// </summary>
public class IndexValueParserTests
{
    private const long ReceivedAt = 1_700_000_000_123;

    // docs.deribit.com/articles/notifications: its example notification is a deribit_price_index one.
    private const string PriceNotification =
        """{"jsonrpc":"2.0","method":"subscription","params":{"channel":"deribit_price_index.btc_usd","data":{"timestamp":1535098298227,"price":6521.17,"index_name":"btc_usd"}}}""";

    private const string VolatilityNotification =
        """{"jsonrpc":"2.0","method":"subscription","params":{"channel":"deribit_volatility_index.btc_usd","data":{"volatility":129.36,"timestamp":1619777946007,"index_name":"btc_usd"}}}""";

    private const string EstimatedNotification =
        """{"jsonrpc":"2.0","method":"subscription","params":{"channel":"estimated_expiration_price.btc_usd","data":{"is_estimated":false,"price":3939.73,"seconds":180929}}}""";

    [Fact]
    public void ReadsThePriceIndexWithItsExchangeTimestamp()
    {
        var value = Parse(PriceNotification);
        Assert.Equal(new IndexValue { IndexName = "btc_usd", Kind = IndexValueKind.Price, Timestamp = 1535098298227, Value = 6521.17, ReceivedAtMs = ReceivedAt }, value);
    }

    [Fact]
    public void ReadsDvol()
    {
        var value = Parse(VolatilityNotification);
        Assert.Equal(new IndexValue { IndexName = "btc_usd", Kind = IndexValueKind.Volatility, Timestamp = 1619777946007, Value = 129.36, ReceivedAtMs = ReceivedAt }, value);
    }

    [Fact]
    public void TheEstimatedExpirationPriceHasNoTimestampSoItIsStampedWhenRead()
    {
        var value = Parse(EstimatedNotification);
        Assert.Equal(new IndexValue
        {
            IndexName = "btc_usd", Kind = IndexValueKind.EstimatedExpiration, Timestamp = ReceivedAt, Value = 3939.73, Seconds = 180929, IsEstimated = false,
            ReceivedAtMs = ReceivedAt,
        }, value);
    }

    [Fact]
    public void ThePriceIndexDocumentationExampleReadsToo()
    {
        // docs.deribit.com/subscriptions/market-data/deribit_price_indexindex_name: {"index_name":"btc_usd","price":3937.89,"timestamp":1550588002899}
        var value = Parse("""{"jsonrpc":"2.0","method":"subscription","params":{"channel":"deribit_price_index.btc_usd","data":{"index_name":"btc_usd","price":3937.89,"timestamp":1550588002899}}}""");
        Assert.Equal((3937.89, 1550588002899L), (value.Value, value.Timestamp));
    }

    [Theory]
    [InlineData("""{"timestamp":1535098298227,"index_name":"btc_usd"}""", FrameProblem.MissingField)] // no price
    [InlineData("""{"price":6521.17,"index_name":"btc_usd"}""", FrameProblem.MissingField)] // no timestamp
    [InlineData("""{"timestamp":1535098298227,"price":"6521.17","index_name":"btc_usd"}""", FrameProblem.WrongType)]
    [InlineData("""{"timestamp":"yesterday","price":6521.17,"index_name":"btc_usd"}""", FrameProblem.WrongType)]
    [InlineData("""{"timestamp":1535098298227,"price":6521.17,"index_name":"eth_usd"}""", FrameProblem.MismatchedInstrument)]
    public void AMalformedValueIsUnusableWithItsReason(string data, FrameProblem expected)
    {
        Assert.False(IndexValueParser.TryParse(Encoding.UTF8.GetBytes(data), "deribit_price_index.btc_usd", ReceivedAt, out _, out var problem));
        Assert.Equal(expected, problem);
    }

    [Fact]
    public void AnEstimatedExpirationPriceWithoutSecondsIsUnusable()
    {
        Assert.False(IndexValueParser.TryParse("""{"is_estimated":false,"price":3939.73}"""u8, "estimated_expiration_price.btc_usd", ReceivedAt, out _, out var problem));
        Assert.Equal(FrameProblem.MissingField, problem);
    }

    [Fact]
    public void TheFrameParserClassifiesEveryIndexChannelAndRejectsANonObjectData()
    {
        foreach (var message in new[] { PriceNotification, VolatilityNotification, EstimatedNotification })
        {
            Assert.Equal(FrameKind.IndexValue, DeribitFrameParser.Parse(Encoding.UTF8.GetBytes(message)).Kind);
        }

        var array = DeribitFrameParser.Parse("""{"jsonrpc":"2.0","method":"subscription","params":{"channel":"deribit_price_index.btc_usd","data":[1,2]}}"""u8);
        Assert.Equal((FrameKind.Unusable, FrameProblem.WrongType), (array.Kind, array.Problem));
    }

    [Fact]
    public void ChannelsFollowTheConfiguredCurrenciesWithDvolOnlyWhereDeribitHasIt()
    {
        Assert.Equal(["btc_usd", "eth_usd", "btc_usdc", "eth_usdc", "sol_usdc", "xrp_usdc"], DeribitIndexes.ForCurrencies(["BTC", "ETH", "USDC"]));
        Assert.Equal(
            ["deribit_price_index.btc_usd", "deribit_volatility_index.btc_usd", "estimated_expiration_price.btc_usd",
             "deribit_price_index.sol_usdc", "estimated_expiration_price.sol_usdc"],
            DeribitIndexes.Channels(["btc_usd", "sol_usdc"]));
    }

    private static IndexValue Parse(string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        var frame = DeribitFrameParser.Parse(bytes);
        Assert.Equal(FrameKind.IndexValue, frame.Kind);
        var channel = Encoding.UTF8.GetString(bytes, frame.ChannelStart, frame.ChannelLength);
        Assert.True(IndexValueParser.TryParse(bytes.AsSpan(frame.DataStart, frame.DataLength), channel, ReceivedAt, out var value, out var problem), problem.ToString());
        return value!;
    }
}
