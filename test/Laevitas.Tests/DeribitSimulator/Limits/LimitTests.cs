using Laevitas.Testing;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Laevitas.DeribitSimulator;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.DeribitSimulator.Limits;

public class LimitTests
{
    [Fact]
    public async Task SubscribeWithTooManyChannelsIsRejectedWithoutId()
    {
        var options = SimulatorTestOptions.Create(instruments: 1_200, rate: 0);
        await using var sim = await DeribitSimulatorServer.StartAsync(options);
        await using var client = await RawDeribitClient.ConnectAsync(sim.Url);
        var channels = sim.Universe.Active.Select(i => $"ticker.{i.InstrumentName}.100ms").ToArray();

        var limit = options.Limits.MaxChannelsPerSubscribe;
        var ok = await client.CallAsync("public/subscribe", new { channels = channels.Take(limit).ToArray() });
        Assert.Equal(limit, ok.GetProperty("result").GetArrayLength());

        // The exchange answers an oversized subscribe with -32600 and no id, so the caller cannot match it by id.
        await client.SendRawAsync(JsonSerializer.SerializeToUtf8Bytes(new { jsonrpc = "2.0", id = 99, method = "public/subscribe", @params = new { channels = channels.Skip(limit).Take(limit + 1).ToArray() } }));
        var error = await NextErrorAsync(client);
        Assert.Equal(-32600, error.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("request entity too large", error.GetProperty("error").GetProperty("message").GetString());
        Assert.False(error.TryGetProperty("id", out _));
        Assert.Equal(limit, sim.GetStatistics().Subscriptions);
        Assert.Equal(WebSocketState.Open, client.State);
    }

    [Fact]
    public async Task OversizedRequestBodyIsRejected()
    {
        var options = SimulatorTestOptions.Create(rate: 0);
        await using var sim = await DeribitSimulatorServer.StartAsync(options);
        await using var client = await RawDeribitClient.ConnectAsync(sim.Url);

        var padding = new string('x', options.Limits.MaxRequestBytes);
        await client.SendRawAsync(Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"public/test\",\"params\":{\"pad\":\"" + padding + "\"}}"));
        var error = await NextErrorAsync(client);
        Assert.Equal(-32600, error.GetProperty("error").GetProperty("code").GetInt32());

        // The connection survives and serves the next request.
        var test = await client.CallAsync("public/test");
        Assert.True(test.TryGetProperty("result", out _));
    }

    [Fact]
    public async Task ThirtyThirdConnectionFromOneIpGets429()
    {
        await using var sim = await DeribitSimulatorServer.StartAsync(SimulatorTestOptions.Create(rate: 0));
        var clients = new List<RawDeribitClient>();
        try
        {
            for (var i = 0; i < 32; i++) clients.Add(await RawDeribitClient.ConnectAsync(sim.Url));
            // The client's handshake completes before the server's accept returns and registers the connection.
            await Eventually.TrueAsync(() => sim.GetStatistics().OpenConnections == 32, SimulatorTestOptions.Timeout, "all 32 connections registered");

            using var extra = new ClientWebSocket();
            extra.Options.CollectHttpResponseDetails = true;
            await Assert.ThrowsAsync<WebSocketException>(() => extra.ConnectAsync(new Uri(sim.Url), CancellationToken.None));
            Assert.Equal(HttpStatusCode.TooManyRequests, extra.HttpStatusCode);

            // Closing one frees a slot.
            await clients[0].DisposeAsync();
            clients.RemoveAt(0);
            await Eventually.TrueAsync(() => sim.GetStatistics().OpenConnections == 31, SimulatorTestOptions.Timeout, "the closed connection to be released");
            clients.Add(await RawDeribitClient.ConnectAsync(sim.Url));
        }
        finally
        {
            foreach (var client in clients) await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task SubscribeFasterThanTheRateLimitEndsTheSessionWith10028()
    {
        var options = SimulatorTestOptions.Create(rate: 0);
        // A refill too slow to matter during the test, so exactly the burst passes however slow the machine is.
        options.Limits.SubscribeRatePerSecond = 0.001;
        options.Limits.SubscribeBurst = 4;
        await using var sim = await DeribitSimulatorServer.StartAsync(options);
        await using var client = await RawDeribitClient.ConnectAsync(sim.Url);

        JsonElement response = default;
        var calls = 0;
        for (; calls < options.Limits.SubscribeBurst + 5; calls++)
        {
            response = await client.CallAsync("public/subscribe", new { channels = new[] { "ticker.BTC-PERPETUAL.100ms" } });
            if (response.TryGetProperty("error", out _)) break;
        }

        Assert.Equal(options.Limits.SubscribeBurst, calls);
        Assert.Equal(10028, response.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("too_many_requests", response.GetProperty("error").GetProperty("message").GetString());
        await client.Closed.WaitAsync(SimulatorTestOptions.Timeout);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, client.CloseStatus);
    }

    [Fact]
    public async Task HeartbeatBelowTheFloorIsRejectedUnlessShortHeartbeatsAreAllowed()
    {
        await using var sim = await DeribitSimulatorServer.StartAsync(SimulatorTestOptions.Create(rate: 0));
        await using var client = await RawDeribitClient.ConnectAsync(sim.Url);

        var tooShort = await client.CallAsync("public/set_heartbeat", new { interval = 5 });
        Assert.Equal(-32602, tooShort.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("interval", tooShort.GetProperty("error").GetProperty("data").GetProperty("param").GetString());

        var ok = await client.CallAsync("public/set_heartbeat", new { interval = 10 });
        Assert.Equal("ok", ok.GetProperty("result").GetString());
    }

    private static async Task<JsonElement> NextErrorAsync(RawDeribitClient client)
    {
        var message = await client.NextMessageAsync(SimulatorTestOptions.Timeout);
        Assert.NotNull(message);
        return JsonDocument.Parse(message).RootElement;
    }
}
