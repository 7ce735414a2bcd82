using Laevitas.Testing;
using System.Text.Json;
using Laevitas.DeribitSimulator;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.DeribitSimulator.Protocol;

public class ProtocolTests
{
    [Fact]
    public async Task ResponsesCarryIdTimingAndTestnetFlag()
    {
        await using var sim = await DeribitSimulatorServer.StartAsync(SimulatorTestOptions.Create());
        await using var client = await RawDeribitClient.ConnectAsync(sim.Url);

        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var time = await client.CallAsync("public/get_time");
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.Equal("2.0", time.GetProperty("jsonrpc").GetString());
        Assert.InRange(time.GetProperty("result").GetInt64(), before, after);
        var usIn = time.GetProperty("usIn").GetInt64();
        var usOut = time.GetProperty("usOut").GetInt64();
        Assert.True(usOut >= usIn);
        Assert.Equal(usOut - usIn, time.GetProperty("usDiff").GetInt64());
        Assert.False(time.GetProperty("testnet").GetBoolean());

        var test = await client.CallAsync("public/test");
        Assert.False(string.IsNullOrEmpty(test.GetProperty("result").GetProperty("version").GetString()));
    }

    [Fact]
    public async Task UnknownMethodIsMethodNotFound()
    {
        await using var sim = await DeribitSimulatorServer.StartAsync(SimulatorTestOptions.Create());
        await using var client = await RawDeribitClient.ConnectAsync(sim.Url);

        var response = await client.CallAsync("public/no_such_method");
        Assert.Equal(-32601, response.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("Method not found", response.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task SubscribeReturnsServedChannelsAndLeavesUnknownOnesOut()
    {
        await using var sim = await DeribitSimulatorServer.StartAsync(SimulatorTestOptions.Create(rate: 0));
        await using var client = await RawDeribitClient.ConnectAsync(sim.Url);

        string[] requested =
        [
            "ticker.BTC-PERPETUAL.100ms",
            "ticker.ETH-PERPETUAL.agg2",
            "ticker.NOPE-PERPETUAL.100ms", // unknown instrument
            "ticker.BTC-PERPETUAL.5ms",    // unknown interval
            "bogus.channel",
        ];
        var subscribed = await client.CallAsync("public/subscribe", new { channels = requested });
        Assert.Equal(["ticker.BTC-PERPETUAL.100ms", "ticker.ETH-PERPETUAL.agg2"], Strings(subscribed));
        Assert.Equal(2, sim.GetStatistics().Subscriptions);

        var unsubscribed = await client.CallAsync("public/unsubscribe", new { channels = new[] { "ticker.BTC-PERPETUAL.100ms", "ticker.SOL_USDC-PERPETUAL.100ms" } });
        Assert.Equal(["ticker.BTC-PERPETUAL.100ms"], Strings(unsubscribed));
        Assert.Equal(1, sim.GetStatistics().Subscriptions);

        var notAList = await client.CallAsync("public/subscribe", new { channels = "ticker.BTC-PERPETUAL.100ms" });
        Assert.Equal(-32602, notAList.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("value must be a list", notAList.GetProperty("error").GetProperty("data").GetProperty("reason").GetString());

        var all = await client.CallAsync("public/unsubscribe_all");
        Assert.Equal("ok", all.GetProperty("result").GetString());
        Assert.Equal(0, sim.GetStatistics().Subscriptions);
    }

    [Fact]
    public async Task TickerFieldsFollowTheInstrumentKind()
    {
        await using var sim = await DeribitSimulatorServer.StartAsync(SimulatorTestOptions.Create(instruments: 40, rate: 3_000));
        await using var client = await RawDeribitClient.ConnectAsync(sim.Url);
        var option = sim.Universe.Active.First(i => i.InstrumentName.StartsWith("BTC-", StringComparison.Ordinal) && i.Strike is not null).InstrumentName;
        var linearOption = sim.Universe.Active.First(i => i.InstrumentName.StartsWith("XRP_USDC-", StringComparison.Ordinal) && i.Strike is not null).InstrumentName;
        var future = sim.Universe.Active.First(i => i.InstrumentName.StartsWith("BTC-", StringComparison.Ordinal) && i.Strike is null && !i.IsPerpetual).InstrumentName;
        await client.CallAsync("public/subscribe", new { channels = new[] { option, linearOption, future, "BTC-PERPETUAL" }.Select(n => $"ticker.{n}.100ms").ToArray() });

        var seen = new Dictionary<string, JsonElement>();
        await Eventually.TrueAsync(async () =>
        {
            // Everything that has arrived, not one message per poll: the four channels tick faster than the poll.
            var message = await client.NextMessageAsync(TimeSpan.FromSeconds(1));
            while (message is not null && seen.Count < 4)
            {
                var data = JsonDocument.Parse(message).RootElement.GetProperty("params").GetProperty("data");
                seen[data.GetProperty("instrument_name").GetString()!] = data;
                message = client.TryNextMessage(out var next) ? next : null;
            }

            return seen.Count == 4;
        }, SimulatorTestOptions.Timeout, "a ticker for each kind");

        string[] always =
        [
            "timestamp", "state", "stats", "index_price", "instrument_name", "last_price", "settlement_price", "min_price",
            "max_price", "open_interest", "mark_price", "best_bid_price", "best_ask_price", "best_bid_amount",
            "best_ask_amount", "estimated_delivery_price",
        ];
        string[] optionOnly = ["greeks", "mark_iv", "bid_iv", "ask_iv", "underlying_price", "underlying_index", "interest_rate"];
        foreach (var data in seen.Values) Assert.All(always, f => Assert.True(data.TryGetProperty(f, out _), $"missing {f}"));

        foreach (var name in new[] { option, linearOption })
        {
            var data = seen[name];
            Assert.All(optionOnly, f => Assert.True(data.TryGetProperty(f, out _), $"{name} missing {f}"));
            var greeks = data.GetProperty("greeks");
            Assert.All(new[] { "delta", "gamma", "vega", "theta", "rho" }, g => Assert.Equal(JsonValueKind.Number, greeks.GetProperty(g).ValueKind));
            Assert.InRange(data.GetProperty("mark_iv").GetDouble(), 1, 500);
            Assert.False(data.TryGetProperty("funding_8h", out _));
        }

        // Priced off the same-expiry future when one is listed, otherwise off a synthetic one (SYN.BTC-31JUL25).
        var optionFuture = option[..option.IndexOf('-', 4)];
        var expectedUnderlying = sim.Universe.IsActive(optionFuture) ? optionFuture : "SYN." + optionFuture;
        Assert.Equal(expectedUnderlying, seen[option].GetProperty("underlying_index").GetString());
        Assert.Equal("XRP_USDC", seen[linearOption].GetProperty("underlying_index").GetString());

        foreach (var name in new[] { future, "BTC-PERPETUAL" })
        {
            var data = seen[name];
            Assert.All(optionOnly, f => Assert.False(data.TryGetProperty(f, out _), $"{name} should not have {f}"));
            Assert.True(data.GetProperty("stats").TryGetProperty("volume_usd", out _));
        }

        Assert.True(seen["BTC-PERPETUAL"].TryGetProperty("funding_8h", out _));
        Assert.True(seen["BTC-PERPETUAL"].TryGetProperty("current_funding", out _));
        Assert.False(seen[future].TryGetProperty("funding_8h", out _));
        var perpetual = seen["BTC-PERPETUAL"];
        Assert.True(perpetual.GetProperty("best_bid_price").GetDouble() < perpetual.GetProperty("best_ask_price").GetDouble());
        Assert.InRange(perpetual.GetProperty("mark_price").GetDouble() / perpetual.GetProperty("index_price").GetDouble(), 0.99, 1.01);
    }

    [Fact]
    public async Task IdleConnectionAnswersWebSocketPings()
    {
        await using var sim = await DeribitSimulatorServer.StartAsync(SimulatorTestOptions.Create(rate: 0));
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        // The client aborts if a ping goes unanswered for 5 s; the server sends nothing else while idle. A server that
        // does not answer is caught either way; the timeout only has to outlast a loaded machine's late pong (1 s and
        // 2 s both aborted on machines running the rest of the suite beside it).
        socket.Options.KeepAliveInterval = TimeSpan.FromMilliseconds(200);
        socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(5);
        await socket.ConnectAsync(new Uri(sim.Url), CancellationToken.None);
        // One request/response first, so the server's sender has gone through a batch before going idle.
        await socket.SendAsync("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"public/test\"}"u8.ToArray(), System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[1024];
        var answer = await socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Contains("version", System.Text.Encoding.UTF8.GetString(buffer, 0, answer.Count));
        var receive = socket.ReceiveAsync(buffer, CancellationToken.None);

        // Longer than the first ping plus the timeout: had no ping been answered, the client would have aborted by now.
        await Task.Delay(8_000);
        Assert.False(receive.IsCompleted, receive.Exception?.ToString());
        Assert.Equal(System.Net.WebSockets.WebSocketState.Open, socket.State);
        socket.Abort();
    }

    internal static string[] Strings(JsonElement response) =>
        response.GetProperty("result").EnumerateArray().Select(c => c.GetString()!).ToArray();
}
