using System.Text.Json;
using Laevitas.DeribitSimulator;

namespace Laevitas.Tests.Simulator;

public class SimulatorSmokeTests
{
    [Fact]
    public async Task ListsSubscribesAndTicks()
    {
        await using var sim = await DeribitSimulatorServer.StartAsync(new SimulatorOptions { InstrumentCount = 20, TicksPerSecond = 2_000 });
        await using var client = await RawDeribitClient.ConnectAsync(sim.Url);

        var instruments = await client.CallAsync("public/get_instruments", new { currency = "BTC" });
        var names = instruments.GetProperty("result").EnumerateArray().Select(i => i.GetProperty("instrument_name").GetString()!).ToList();
        Assert.Contains("BTC-PERPETUAL", names);

        var channels = names.Select(n => $"ticker.{n}.100ms").ToArray();
        var subscribed = await client.CallAsync("public/subscribe", new { channels });
        Assert.Equal(channels, subscribed.GetProperty("result").EnumerateArray().Select(c => c.GetString()).ToArray());

        var message = await client.NextMessageAsync(TimeSpan.FromSeconds(5));
        Assert.NotNull(message);
        using var doc = JsonDocument.Parse(message);
        Assert.Equal("subscription", doc.RootElement.GetProperty("method").GetString());
        Assert.StartsWith("ticker.", doc.RootElement.GetProperty("params").GetProperty("channel").GetString());
    }
}
