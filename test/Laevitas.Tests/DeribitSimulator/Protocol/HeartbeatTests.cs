using Laevitas.Testing;
using System.Net.WebSockets;
using Laevitas.DeribitSimulator;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.DeribitSimulator.Protocol;

public class HeartbeatTests
{
    private static SimulatorOptions ShortHeartbeats()
    {
        var options = SimulatorTestOptions.Create(rate: 0);
        options.AllowShortHeartbeat = true;
        return options;
    }

    [Fact]
    public async Task AnsweredTestRequestsKeepTheConnection()
    {
        await using var sim = await DeribitSimulatorServer.StartAsync(ShortHeartbeats());
        await using var client = await RawDeribitClient.ConnectAsync(sim.Url);
        client.AnswerTestRequests = true;

        // Three seconds to answer each test_request: short for the test, and long enough for a client thread on a
        // loaded 2-core CI machine (half a second, then one second, were not: with the other test classes running
        // beside it the answer was late now and then, and the simulator rightly closed the connection).
        var ok = await client.CallAsync("public/set_heartbeat", new { interval = 3.0 });
        Assert.Equal("ok", ok.GetProperty("result").GetString());

        var testRequests = 0;
        var heartbeats = 0;
        await Eventually.TrueAsync(async () =>
        {
            var message = await client.NextMessageAsync(TimeSpan.FromSeconds(1));
            if (message is null) return false;
            if (message.Contains("\"test_request\"", StringComparison.Ordinal)) testRequests++;
            else if (message.Contains("\"type\":\"heartbeat\"", StringComparison.Ordinal)) heartbeats++;
            return testRequests >= 3;
        }, TimeSpan.FromSeconds(60), "three test_request cycles", () => $"{testRequests} test_requests, {heartbeats} heartbeats, socket {client.State}");

        Assert.True(heartbeats >= 2);
        Assert.Equal(WebSocketState.Open, client.State);
        Assert.Equal(0, sim.GetStatistics().HeartbeatTimeouts);
    }

    [Fact]
    public async Task UnansweredTestRequestClosesTheConnection()
    {
        await using var sim = await DeribitSimulatorServer.StartAsync(ShortHeartbeats());
        await using var client = await RawDeribitClient.ConnectAsync(sim.Url);

        await client.CallAsync("public/set_heartbeat", new { interval = 0.2 });
        var message = await client.NextMessageAsync(SimulatorTestOptions.Timeout);
        Assert.Contains("heartbeat", message);

        await client.Closed.WaitAsync(SimulatorTestOptions.Timeout);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, client.CloseStatus);
        Assert.Equal(1, sim.GetStatistics().HeartbeatTimeouts);
    }
}
