using System.Text.Json;
using System.Text.RegularExpressions;
using Laevitas.DeribitSimulator;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.DeribitSimulator.Protocol;

public class GetInstrumentsTests
{
    private static readonly string[] CommonFields =
    [
        "instrument_name", "kind", "base_currency", "quote_currency", "settlement_currency", "counter_currency",
        "expiration_timestamp", "creation_timestamp", "settlement_period", "tick_size", "tick_size_steps", "contract_size",
        "min_trade_amount", "is_active", "instrument_id", "instrument_type", "price_index", "maker_commission",
        "taker_commission", "block_trade_commission", "block_trade_min_trade_amount", "block_trade_tick_size", "rfq",
    ];

    [Fact]
    public async Task EveryKindHasTheExchangesFields()
    {
        await using var sim = await DeribitSimulatorServer.StartAsync(SimulatorTestOptions.Create(instruments: 60));
        await using var client = await RawDeribitClient.ConnectAsync(sim.Url);

        var all = Results(await client.CallAsync("public/get_instruments", new { currency = "any" }));
        Assert.Equal(60, all.Count);
        foreach (var instrument in all)
        {
            foreach (var field in CommonFields)
            {
                Assert.True(instrument.TryGetProperty(field, out _), $"{instrument.GetProperty("instrument_name")} lacks {field}");
            }

            Assert.True(instrument.GetProperty("is_active").GetBoolean());
        }

        var option = all.First(i => i.GetProperty("instrument_name").GetString()!.StartsWith("BTC-", StringComparison.Ordinal) && i.GetProperty("kind").GetString() == "option");
        Assert.Equal("reversed", option.GetProperty("instrument_type").GetString());
        Assert.Equal("BTC", option.GetProperty("quote_currency").GetString());
        Assert.Contains(option.GetProperty("option_type").GetString(), new[] { "call", "put" });
        Assert.True(option.GetProperty("strike").GetDouble() > 0);
        Assert.Equal(JsonValueKind.Array, option.GetProperty("tick_size_steps").ValueKind);
        Assert.False(option.TryGetProperty("future_type", out _));
        Assert.Matches(new Regex(@"^BTC-[1-9]\d?[A-Z]{3}\d{2}-\d+-[CP]$"), option.GetProperty("instrument_name").GetString()!);

        var perpetual = all.Single(i => i.GetProperty("instrument_name").GetString() == "BTC-PERPETUAL");
        Assert.Equal("future", perpetual.GetProperty("kind").GetString());
        Assert.Equal("perpetual", perpetual.GetProperty("settlement_period").GetString());
        Assert.Equal(32_503_680_000_000, perpetual.GetProperty("expiration_timestamp").GetInt64());
        Assert.Equal("reversed", perpetual.GetProperty("future_type").GetString());
        Assert.True(perpetual.GetProperty("max_leverage").GetInt32() > 0);
        Assert.False(perpetual.TryGetProperty("strike", out _));

        var linearPerpetual = all.Single(i => i.GetProperty("instrument_name").GetString() == "SOL_USDC-PERPETUAL");
        Assert.Equal("linear", linearPerpetual.GetProperty("instrument_type").GetString());
        Assert.Equal("USDC", linearPerpetual.GetProperty("settlement_currency").GetString());

        var linearOption = all.First(i => i.GetProperty("instrument_name").GetString()!.StartsWith("XRP_USDC-", StringComparison.Ordinal) && i.GetProperty("kind").GetString() == "option");
        Assert.Matches(new Regex(@"^XRP_USDC-[1-9]\d?[A-Z]{3}\d{2}-0d\d{1,4}-[CP]$"), linearOption.GetProperty("instrument_name").GetString()!);
        Assert.Equal("linear", linearOption.GetProperty("instrument_type").GetString());
    }

    [Fact]
    public async Task FuturesAreNamedWithoutZeroPaddedDays()
    {
        await using var sim = await DeribitSimulatorServer.StartAsync(SimulatorTestOptions.Create(instruments: 60));
        await using var client = await RawDeribitClient.ConnectAsync(sim.Url);

        var futures = Results(await client.CallAsync("public/get_instruments", new { currency = "BTC", kind = "future" }))
            .Select(i => i.GetProperty("instrument_name").GetString()!)
            .ToList();

        // Reference day is Wednesday 30 July 2025: the first weekly future expires Friday 1 August.
        Assert.Contains("BTC-1AUG25", futures);
        Assert.Contains("BTC-PERPETUAL", futures);
        Assert.All(futures, name => Assert.Matches(new Regex(@"^BTC-(PERPETUAL|[1-9]\d?[A-Z]{3}\d{2})$"), name));
    }

    [Fact]
    public async Task CurrencyAndKindFilterAndUnknownValuesAreRejected()
    {
        await using var sim = await DeribitSimulatorServer.StartAsync(SimulatorTestOptions.Create(instruments: 80));
        await using var client = await RawDeribitClient.ConnectAsync(sim.Url);

        var eth = Results(await client.CallAsync("public/get_instruments", new { currency = "ETH", kind = "option" }));
        Assert.NotEmpty(eth);
        Assert.All(eth, i =>
        {
            Assert.Equal("ETH", i.GetProperty("settlement_currency").GetString());
            Assert.Equal("option", i.GetProperty("kind").GetString());
        });

        var usdc = Results(await client.CallAsync("public/get_instruments", new { currency = "USDC" }));
        Assert.All(usdc, i => Assert.Contains("_USDC", i.GetProperty("instrument_name").GetString()));

        var bad = await client.CallAsync("public/get_instruments", new { currency = "DOGECOIN" });
        Assert.Equal(-32602, bad.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("currency", bad.GetProperty("error").GetProperty("data").GetProperty("param").GetString());

        var badKind = await client.CallAsync("public/get_instruments", new { currency = "BTC", kind = "swap" });
        Assert.Equal(-32602, badKind.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task UniverseIsDeterministicAndScalesTo5000()
    {
        var options = SimulatorTestOptions.Create(instruments: 5_000);
        await using var first = await DeribitSimulatorServer.StartAsync(options);
        await using var second = await DeribitSimulatorServer.StartAsync(SimulatorTestOptions.Create(instruments: 5_000));

        var names = first.Universe.Active.Select(i => i.InstrumentName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(5_000, names.Count);
        Assert.Equal(5_000, names.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(names, second.Universe.Active.Select(i => i.InstrumentName).Order(StringComparer.Ordinal));
        Assert.Equal(5_000, first.Universe.Active.Select(i => i.InstrumentId).Distinct().Count());

        var kinds = first.Universe.Active.GroupBy(i => i.InstrumentName.Split('-')[0]).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(kinds["BTC"] > kinds["ETH"], "BTC should have the largest chain");
        Assert.True(kinds.ContainsKey("SOL_USDC") && kinds.ContainsKey("XRP_USDC"));

        await using var client = await RawDeribitClient.ConnectAsync(first.Url);
        var listed = Results(await client.CallAsync("public/get_instruments", new { currency = "any" }));
        Assert.Equal(5_000, listed.Count);
    }

    internal static List<JsonElement> Results(JsonElement response) => response.GetProperty("result").EnumerateArray().ToList();
}
