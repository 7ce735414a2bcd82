using System.Globalization;
using System.Text.Json;
using Laevitas.DeribitSimulator;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.DeribitSimulator.Settlements;

/// <summary>The simulator's <c>public/get_delivery_prices</c>: the real message format, paging, errors, the 08:00 settlement.</summary>
public class SimulatorDeliveryPricesTests
{
    [Fact]
    public async Task PagesByOffsetAndCountNewestFirstAndSettlesAt0800OfItsClock()
    {
        var clock = new ManualClock(new DateTimeOffset(2025, 7, 30, 7, 59, 59, TimeSpan.Zero));
        var options = SimulatorTestOptions.Create(instruments: 20, rate: 0);
        options.Clock = clock;
        options.SettlementsSince = new DateOnly(2025, 7, 1);
        await using var sim = await DeribitSimulatorServer.StartAsync(options);
        await using var client = await RawDeribitClient.ConnectAsync(sim.Url);

        // Before 08:00 the newest settlement is yesterday's: 1..29 July.
        var first = await client.CallAsync("public/get_delivery_prices", new { index_name = "btc_usd", offset = 0, count = 5 });
        var result = first.GetProperty("result");
        Assert.Equal(29, result.GetProperty("records_total").GetInt32());
        Assert.Equal(["2025-07-29", "2025-07-28", "2025-07-27", "2025-07-26", "2025-07-25"], Dates(result));
        Assert.Equal(["date", "delivery_price"], result.GetProperty("data")[0].EnumerateObject().Select(p => p.Name).ToArray());

        // Pages join without gap or overlap, and the default count is 10 (as documented).
        var all = new List<string>();
        for (var offset = 0; offset < 29; offset += 10)
        {
            all.AddRange(Dates((await client.CallAsync("public/get_delivery_prices", new { index_name = "btc_usd", offset })).GetProperty("result")));
        }

        Assert.Equal(Enumerable.Range(0, 29).Select(i => new DateOnly(2025, 7, 29).AddDays(-i).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)), all);
        var past = await client.CallAsync("public/get_delivery_prices", new { index_name = "btc_usd", offset = 29, count = 5 });
        Assert.Equal(0, past.GetProperty("result").GetProperty("data").GetArrayLength());

        // The values are the simulator's history, and stay the same when asked again.
        var expected = sim.DeliveryPrices("btc_usd");
        Assert.Equal(expected[0].DeliveryPrice, result.GetProperty("data")[0].GetProperty("delivery_price").GetDouble());
        Assert.Equal(expected[0].DeliveryPrice, sim.DeliveryPrices("btc_usd")[0].DeliveryPrice);
        Assert.NotEqual(sim.DeliveryPrices("eth_usd")[0].DeliveryPrice, expected[0].DeliveryPrice);

        // 08:00 UTC: today's settlement appears on top.
        clock.Set(new DateTimeOffset(2025, 7, 30, 8, 0, 0, TimeSpan.Zero));
        var after = (await client.CallAsync("public/get_delivery_prices", new { index_name = "btc_usd", count = 2 })).GetProperty("result");
        Assert.Equal(30, after.GetProperty("records_total").GetInt32());
        Assert.Equal(["2025-07-30", "2025-07-29"], Dates(after));
        Assert.Equal(expected[0].DeliveryPrice, after.GetProperty("data")[1].GetProperty("delivery_price").GetDouble());
    }

    [Fact]
    public async Task AnUnknownIndexAndBadPagingAreRefusedLikeDeribitDoes()
    {
        await using var sim = await DeribitSimulatorServer.StartAsync(SimulatorTestOptions.Create(instruments: 20, rate: 0));
        await using var client = await RawDeribitClient.ConnectAsync(sim.Url);
        Assert.Contains("sol_usdc", sim.DeliveryIndexes);

        var unknown = await client.CallAsync("public/get_delivery_prices", new { index_name = "doge_usd" });
        AssertInvalid(unknown, "index_name");
        AssertInvalid(await client.CallAsync("public/get_delivery_prices", new { offset = 0 }), "index_name");
        AssertInvalid(await client.CallAsync("public/get_delivery_prices", new { index_name = "btc_usd", offset = -1 }), "offset");
        AssertInvalid(await client.CallAsync("public/get_delivery_prices", new { index_name = "btc_usd", count = 0 }), "count");
        AssertInvalid(await client.CallAsync("public/get_delivery_prices", new { index_name = "btc_usd", count = 1001 }), "count");
    }

    private static void AssertInvalid(JsonElement answer, string param)
    {
        Assert.False(answer.TryGetProperty("result", out _), answer.GetRawText());
        var error = answer.GetProperty("error");
        Assert.Equal(-32602, error.GetProperty("code").GetInt32());
        Assert.Equal("Invalid params", error.GetProperty("message").GetString());
        Assert.Equal(param, error.GetProperty("data").GetProperty("param").GetString());
    }

    private static string[] Dates(JsonElement result) =>
        result.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("date").GetString()!).ToArray();
}
