using Laevitas.Testing;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Laevitas.DeribitSimulator;
using Laevitas.Tests.DeribitSimulator.Protocol;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.DeribitSimulator.Faults;

public class FaultTests
{
    private static async Task<(DeribitSimulatorServer Sim, RawDeribitClient Client)> StartSubscribedAsync(double rate = 500)
    {
        var sim = await DeribitSimulatorServer.StartAsync(SimulatorTestOptions.Create(instruments: 10, rate: rate));
        var client = await RawDeribitClient.ConnectAsync(sim.Url);
        await client.CallAsync("public/subscribe", new { channels = new[] { "ticker.BTC-PERPETUAL.100ms", "ticker.ETH-PERPETUAL.100ms" } });
        return (sim, client);
    }

    [Fact]
    public async Task DropAllConnectionsResetsWithoutCloseHandshake()
    {
        var (sim, client) = await StartSubscribedAsync();
        await using var simScope = sim;
        await using var clientScope = client;

        Assert.Equal(1, sim.Faults.DropAllConnections());
        await client.Closed.WaitAsync(SimulatorTestOptions.Timeout);
        Assert.NotNull(client.ReceiveError);
        Assert.Null(client.CloseStatus);
        await Eventually.TrueAsync(() => sim.GetStatistics().OpenConnections == 0 && sim.GetStatistics().Subscriptions == 0, SimulatorTestOptions.Timeout, "the dropped connection to be cleaned up");
    }

    [Fact]
    public async Task DropOneConnectionLeavesTheOthers()
    {
        var (sim, client) = await StartSubscribedAsync();
        await using var simScope = sim;
        await using var clientScope = client;
        await using var other = await RawDeribitClient.ConnectAsync(sim.Url);

        var target = sim.Connections.First().Id;
        Assert.True(sim.Faults.DropConnection(target));
        await client.Closed.WaitAsync(SimulatorTestOptions.Timeout);
        Assert.True((await other.CallAsync("public/test")).TryGetProperty("result", out _));
    }

    [Fact]
    public async Task SilenceStopsEverythingThenResumes()
    {
        var (sim, client) = await StartSubscribedAsync(rate: 1_000);
        await using var simScope = sim;
        await using var clientScope = client;
        Assert.NotNull(await client.NextMessageAsync(SimulatorTestOptions.Timeout));

        // Long enough never to end by itself during the test; ended explicitly below.
        sim.Faults.GoSilent(TimeSpan.FromMinutes(5));
        // Frames already on the wire still arrive: wait until the line has been quiet for a while.
        while (await client.NextMessageAsync(TimeSpan.FromMilliseconds(300)) is not null) { }
        var sentBefore = sim.TicksSent;

        var pendingTest = client.CallAsync("public/test", timeout: SimulatorTestOptions.Timeout);
        Assert.Null(await client.NextMessageAsync(TimeSpan.FromMilliseconds(300)));
        Assert.False(pendingTest.IsCompleted, "a silent exchange does not answer either");
        Assert.Equal(sentBefore, sim.TicksSent);
        Assert.True(sim.Faults.IsSilent);

        sim.Faults.EndSilence();
        Assert.True((await pendingTest).TryGetProperty("result", out _));
        Assert.NotNull(await client.NextMessageAsync(SimulatorTestOptions.Timeout));
        Assert.True(sim.TicksSent > sentBefore);
    }

    [Fact]
    public async Task MalformedTruncatedUnknownAndWrongTypedMessagesArrive()
    {
        var (sim, client) = await StartSubscribedAsync(rate: 0);
        await using var simScope = sim;
        await using var clientScope = client;

        Assert.Equal(1, sim.Faults.SendMalformedJson());
        var malformed = NotNull(await client.NextMessageAsync(SimulatorTestOptions.Timeout));
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(malformed));

        Assert.Equal(1, sim.Faults.SendTruncatedJson());
        var truncated = NotNull(await client.NextMessageAsync(SimulatorTestOptions.Timeout));
        Assert.StartsWith("{\"jsonrpc\":\"2.0\",\"method\":\"subscription\"", truncated);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(truncated));

        sim.Faults.SendUnknownMethod();
        var unknown = JsonDocument.Parse(NotNull(await client.NextMessageAsync(SimulatorTestOptions.Timeout))).RootElement;
        Assert.Equal("sim_unknown_notification", unknown.GetProperty("method").GetString());

        sim.Faults.SendWrongTypes();
        var wrong = JsonDocument.Parse(NotNull(await client.NextMessageAsync(SimulatorTestOptions.Timeout))).RootElement.GetProperty("params");
        Assert.StartsWith("ticker.", wrong.GetProperty("channel").GetString());
        Assert.Equal(JsonValueKind.String, wrong.GetProperty("data").GetProperty("timestamp").ValueKind);
        Assert.Equal("NaN", wrong.GetProperty("data").GetProperty("mark_price").GetString());

        sim.Faults.SendUnknownChannel();
        var stray = JsonDocument.Parse(NotNull(await client.NextMessageAsync(SimulatorTestOptions.Timeout))).RootElement;
        Assert.Equal("ticker.SIM-1JAN99-1-C.100ms", stray.GetProperty("params").GetProperty("channel").GetString());

        sim.Faults.SendHugeFrame(2 * 1024 * 1024);
        var huge = NotNull(await client.NextMessageAsync(SimulatorTestOptions.Timeout));
        Assert.Equal(2 * 1024 * 1024, huge.Length);
        Assert.Equal("sim_huge", JsonDocument.Parse(huge).RootElement.GetProperty("method").GetString());

        // None of it is a tick.
        Assert.Equal(0, sim.TicksSent);
        Assert.Equal(WebSocketState.Open, client.State);
    }

    [Fact]
    public async Task TruncatedFrameEndsInAReset()
    {
        var (sim, client) = await StartSubscribedAsync(rate: 0);
        await using var simScope = sim;
        await using var clientScope = client;

        Assert.Equal(1, sim.Faults.SendTruncatedFrame());
        await client.Closed.WaitAsync(SimulatorTestOptions.Timeout);
        Assert.NotNull(client.ReceiveError);
        Assert.Null(await client.NextMessageAsync(TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public async Task RejectedRequestGets10028AndTheSessionEnds()
    {
        var (sim, client) = await StartSubscribedAsync(rate: 0);
        await using var simScope = sim;
        await using var clientScope = client;

        sim.Faults.RejectNextRequests(1);
        var response = await client.CallAsync("public/test");
        Assert.Equal(10028, response.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("too_many_requests", response.GetProperty("error").GetProperty("message").GetString());
        await client.Closed.WaitAsync(SimulatorTestOptions.Timeout);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, client.CloseStatus);
        Assert.Equal(1, sim.GetStatistics().RateLimited);

        // Only the next request was rejected: a new session works.
        await using var again = await RawDeribitClient.ConnectAsync(sim.Url);
        Assert.True((await again.CallAsync("public/test")).TryGetProperty("result", out _));
    }

    [Fact]
    public async Task RefusedConnectionsGetTheStatusUntilTheWindowEnds()
    {
        await using var sim = await DeribitSimulatorServer.StartAsync(SimulatorTestOptions.Create(rate: 0));
        // Long enough that the first connection surely falls inside it on a loaded machine (at 500 ms one full test run
        // saw the handshake complete after the window); the test waits for it to end on its own below.
        sim.Faults.RefuseConnections(TimeSpan.FromSeconds(3), 503);

        using var refused = new ClientWebSocket();
        refused.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => refused.ConnectAsync(new Uri(sim.Url), CancellationToken.None));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.HttpStatusCode);
        Assert.Equal(1, sim.GetStatistics().ConnectionsRefused);

        await Eventually.TrueAsync(() => !sim.Faults.IsRefusingConnections, SimulatorTestOptions.Timeout, "the refusal window to end");
        await using var client = await RawDeribitClient.ConnectAsync(sim.Url);
        Assert.True((await client.CallAsync("public/test")).TryGetProperty("result", out _));
    }

    [Fact]
    public async Task PlatformStateIsAnnouncedToItsSubscribers()
    {
        await using var sim = await DeribitSimulatorServer.StartAsync(SimulatorTestOptions.Create(rate: 0));
        await using var client = await RawDeribitClient.ConnectAsync(sim.Url);
        await using var bystander = await RawDeribitClient.ConnectAsync(sim.Url);
        var subscribed = await client.CallAsync("public/subscribe", new { channels = new[] { "platform_state" } });
        Assert.Equal(["platform_state"], ProtocolTests.Strings(subscribed));

        Assert.Equal(1, sim.Faults.SendPlatformState("btc_usd", locked: true));
        var data = JsonDocument.Parse(NotNull(await client.NextMessageAsync(SimulatorTestOptions.Timeout))).RootElement.GetProperty("params");
        Assert.Equal("platform_state", data.GetProperty("channel").GetString());
        Assert.True(data.GetProperty("data").GetProperty("locked").GetBoolean());
        Assert.Null(await bystander.NextMessageAsync(TimeSpan.FromMilliseconds(200)));
    }

    private static string NotNull(string? message)
    {
        Assert.NotNull(message);
        return message;
    }
}
