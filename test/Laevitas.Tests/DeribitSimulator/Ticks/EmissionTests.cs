using Laevitas.Testing;
using Laevitas.DeribitSimulator;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.DeribitSimulator.Ticks;

public class EmissionTests
{
    [Fact]
    public async Task MaxTicksAreEmittedExactlyStrictlyIncreasingAndMatchTheLedger()
    {
        var options = SimulatorTestOptions.Create(instruments: 60, rate: 20_000);
        options.MaxTicks = 3_000;
        options.RecordEmitted = true;
        await using var sim = await DeribitSimulatorServer.StartAsync(options);
        await using var client = await RawDeribitClient.ConnectAsync(sim.Url);
        var channels = sim.Universe.Active.Take(30).Select(i => $"ticker.{i.InstrumentName}.100ms").ToArray();
        await client.CallAsync("public/subscribe", new { channels });

        await sim.EmissionCompleted.WaitAsync(SimulatorTestOptions.Timeout);
        var collector = new TickCollector();
        await Eventually.TrueAsync(() =>
        {
            collector.Drain(client);
            return collector.Count >= 3_000;
        }, SimulatorTestOptions.Timeout, "3000 ticks at the client", () => collector.Count.ToString());

        // Nothing past the limit, even given time.
        await Task.Delay(200);
        collector.Drain(client);
        Assert.Equal(3_000, collector.Count);
        Assert.Equal(3_000, sim.TicksSent);
        Assert.Equal(3_000, sim.Ledger.RecordedCount);

        Assert.Equal(channels.Order(StringComparer.Ordinal), collector.ByChannel.Keys.Order(StringComparer.Ordinal));
        foreach (var (channel, timestamps) in collector.ByChannel)
        {
            for (var i = 1; i < timestamps.Count; i++)
            {
                Assert.True(timestamps[i] > timestamps[i - 1], $"{channel}: {timestamps[i]} after {timestamps[i - 1]}");
            }

            Assert.Equal(sim.Ledger.TimestampsFor(channel), timestamps);
        }
    }

    [Fact]
    public async Task RateIsSpreadAcrossSubscribedInstrumentsAndCanChange()
    {
        await using var sim = await DeribitSimulatorServer.StartAsync(SimulatorTestOptions.Create(instruments: 20, rate: 2_000));
        await using var client = await RawDeribitClient.ConnectAsync(sim.Url);
        var channels = sim.Universe.Active.Select(i => $"ticker.{i.InstrumentName}.agg2").ToArray();
        await client.CallAsync("public/subscribe", new { channels });

        var collector = new TickCollector();
        await Eventually.TrueAsync(() =>
        {
            collector.Drain(client);
            return collector.ByChannel.Count == channels.Length && collector.ByChannel.Values.All(l => l.Count >= 5);
        }, SimulatorTestOptions.Timeout, "every channel to tick");

        sim.TicksPerSecond = 0;
        // Frames already queued still go out; once the count holds still, it must stay still.
        await Eventually.TrueAsync(async () =>
        {
            var before = sim.TicksSent;
            await Task.Delay(200);
            return sim.TicksSent == before;
        }, SimulatorTestOptions.Timeout, "emission to stop");
        var stopped = sim.TicksSent;
        await Task.Delay(300);
        Assert.Equal(stopped, sim.TicksSent);
    }

    [Fact]
    public async Task TwoConnectionsOnOneChannelReceiveTheSameTicks()
    {
        var options = SimulatorTestOptions.Create(instruments: 10, rate: 1_000);
        options.MaxTicks = 400;
        await using var sim = await DeribitSimulatorServer.StartAsync(options);
        await using var first = await RawDeribitClient.ConnectAsync(sim.Url);
        await using var second = await RawDeribitClient.ConnectAsync(sim.Url);
        sim.TicksPerSecond = 0;
        await first.CallAsync("public/subscribe", new { channels = new[] { "ticker.BTC-PERPETUAL.100ms" } });
        await second.CallAsync("public/subscribe", new { channels = new[] { "ticker.BTC-PERPETUAL.100ms" } });
        sim.TicksPerSecond = 1_000;
        await sim.EmissionCompleted.WaitAsync(SimulatorTestOptions.Timeout);

        var a = new TickCollector();
        var b = new TickCollector();
        await Eventually.TrueAsync(() =>
        {
            a.Drain(first);
            b.Drain(second);
            return a.Count + b.Count == 400;
        }, SimulatorTestOptions.Timeout, "400 frames in total");
        Assert.Equal(a.ByChannel["ticker.BTC-PERPETUAL.100ms"], b.ByChannel["ticker.BTC-PERPETUAL.100ms"]);
    }
}
