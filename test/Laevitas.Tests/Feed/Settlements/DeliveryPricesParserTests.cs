using System.Text;
using System.Text.Json;
using Laevitas.Feed.Settlements;

namespace Laevitas.Tests.Feed.Settlements;

/// <summary>The backfill's parser over a real <c>public/get_delivery_prices</c> answer, and over answers it must refuse.</summary>
public class DeliveryPricesParserTests
{
    /// <summary>
    /// Deribit's API documentation, <c>https://docs.deribit.com/v2/#public-get_delivery_prices</c>: the answer to
    /// <c>{"index_name":"btc_usd","offset":0,"count":5}</c>, introduced there as "The above command returns JSON
    /// structured like this (real example)". Verbatim.
    /// </summary>
    private const string RealAnswer = """
        {
          "jsonrpc": "2.0",
          "id": 3601,
          "result": {
            "data": [
              {
                "date": "2020-01-02",
                "delivery_price": 7131.214606410254
              },
              {
                "date": "2019-12-21",
                "delivery_price": 7150.943217777777
              },
              {
                "date": "2019-12-20",
                "delivery_price": 7175.988445532345
              },
              {
                "date": "2019-12-19",
                "delivery_price": 7189.540776143791
              },
              {
                "date": "2019-12-18",
                "delivery_price": 6698.353743857118
              }
            ],
            "records_total": 58
          }
        }
        """;

    [Fact]
    public void TheDocumentedRealAnswerIsReadEntryByEntry()
    {
        using var document = JsonDocument.Parse(RealAnswer);
        var result = Encoding.UTF8.GetBytes(document.RootElement.GetProperty("result").GetRawText());

        var page = DeliveryPricesParser.Parse(result);

        Assert.Equal(58, page.RecordsTotal);
        Assert.Equal(
            new[]
            {
                new DeliveryPrice(new DateOnly(2020, 1, 2), 7131.214606410254),
                new DeliveryPrice(new DateOnly(2019, 12, 21), 7150.943217777777),
                new DeliveryPrice(new DateOnly(2019, 12, 20), 7175.988445532345),
                new DeliveryPrice(new DateOnly(2019, 12, 19), 7189.540776143791),
                new DeliveryPrice(new DateOnly(2019, 12, 18), 6698.353743857118),
            },
            page.Prices);
    }

    [Fact]
    public void AnEmptyPageAndFieldsAddedLaterAreAccepted()
    {
        var empty = DeliveryPricesParser.Parse("""{"data":[],"records_total":0}"""u8);
        Assert.Empty(empty.Prices);
        Assert.Equal(0, empty.RecordsTotal);

        var extra = DeliveryPricesParser.Parse("""{"data":[{"date":"2024-12-27","delivery_price":94000.5,"new_field":1}],"records_total":1,"more":true}"""u8);
        Assert.Equal(new DeliveryPrice(new DateOnly(2024, 12, 27), 94000.5), Assert.Single(extra.Prices));
    }

    [Theory]
    [InlineData("""[]""")]
    [InlineData("""{"records_total":1}""")]
    [InlineData("""{"data":[]}""")]
    [InlineData("""{"data":[{"date":"27DEC24","delivery_price":1}],"records_total":1}""")]
    [InlineData("""{"data":[{"date":"2024-12-27","delivery_price":"1"}],"records_total":1}""")]
    [InlineData("""{"data":[{"date":"2024-12-27"}],"records_total":1}""")]
    [InlineData("""{"data":[{"delivery_price":1}],"records_total":1}""")]
    public void AnAnswerMissingOrMistypingAKnownFieldIsRefused(string result)
    {
        Assert.ThrowsAny<JsonException>(() => DeliveryPricesParser.Parse(Encoding.UTF8.GetBytes(result)));
    }
}
