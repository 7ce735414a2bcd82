using Laevitas.Testing;
using System.Text.Json;
using Laevitas.DeribitSimulator;
using Laevitas.DeribitSimulator.Universe;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.Simulator;

public class UniverseChangeTests
{
    [Fact]
    public async Task AddedListingAppearsAndTicks()
    {
        await using var sim = await DeribitSimulatorServer.StartAsync(SimulatorTestOptions.Create(instruments: 10, rate: 500));
        await using var client = await RawDeribitClient.ConnectAsync(sim.Url);

        var listing = sim.AddListing("XRP_USDC-26SEP25-0d625-C");
        Assert.Equal(0.625, listing.Strike);
        Assert.Equal("linear", listing.InstrumentType);
        Assert.Throws<InvalidOperationException>(() => sim.AddListing("XRP_USDC-26SEP25-0d625-C"));
        Assert.Throws<ArgumentException>(() => sim.AddListing("XRP_USDC-26SEP25-0.625-C"));

        var listed = GetInstrumentsTests.Results(await client.CallAsync("public/get_instruments", new { currency = "USDC", kind = "option" }));
        Assert.Contains(listed, i => i.GetProperty("instrument_name").GetString() == "XRP_USDC-26SEP25-0d625-C");

        await client.CallAsync("public/subscribe", new { channels = new[] { "ticker.XRP_USDC-26SEP25-0d625-C.100ms" } });
        var tick = JsonDocument.Parse((await client.NextMessageAsync(SimulatorTestOptions.Timeout))!).RootElement;
        Assert.Equal("XRP_USDC-26SEP25-0d625-C", tick.GetProperty("params").GetProperty("data").GetProperty("instrument_name").GetString());
    }

    [Fact]
    public async Task ExpiredInstrumentSendsAFinalTickThenStopsAndLeavesTheListing()
    {
        var options = SimulatorTestOptions.Create(instruments: 10, rate: 1_000);
        options.RecordEmitted = true;
        await using var sim = await DeribitSimulatorServer.StartAsync(options);
        await using var client = await RawDeribitClient.ConnectAsync(sim.Url);
        var future = sim.Universe.Active.First(i => i.Kind == InstrumentKind.Future && !i.IsPerpetual).InstrumentName;
        string[] channels = [$"ticker.{future}.100ms", "ticker.BTC-PERPETUAL.100ms"];
        await client.CallAsync("public/subscribe", new { channels });
        var collector = new TickCollector();
        await Eventually.TrueAsync(() =>
        {
            collector.Drain(client);
            return collector.ByChannel.Count == 2;
        }, SimulatorTestOptions.Timeout, "both channels to tick");

        Assert.True(sim.Expire(future));
        Assert.False(sim.Expire(future));

        var finalSeen = false;
        await Eventually.TrueAsync(async () =>
        {
            var message = await client.NextMessageAsync(TimeSpan.FromSeconds(1));
            if (message is null) return false;
            collector.Add(message);
            var data = JsonDocument.Parse(message).RootElement.GetProperty("params").GetProperty("data");
            if (data.GetProperty("instrument_name").GetString() == future && data.GetProperty("estimated_delivery_price").ValueKind == JsonValueKind.String)
            {
                Assert.Equal("expired", data.GetProperty("estimated_delivery_price").GetString());
                Assert.Equal("closed", data.GetProperty("state").GetString());
                finalSeen = true;
            }

            return finalSeen;
        }, SimulatorTestOptions.Timeout, "the final ticker of the expired future");

        var countAtExpiry = collector.ByChannel[channels[0]].Count;
        var perpetualAtExpiry = collector.ByChannel[channels[1]].Count;
        await Eventually.TrueAsync(() =>
        {
            collector.Drain(client);
            return collector.ByChannel[channels[1]].Count > perpetualAtExpiry + 20;
        }, SimulatorTestOptions.Timeout, "the perpetual to keep ticking");
        Assert.Equal(countAtExpiry, collector.ByChannel[channels[0]].Count);
        Assert.Equal(sim.Ledger.TimestampsFor(channels[0]), collector.ByChannel[channels[0]]);
        Assert.Equal(1, sim.Connections.Single().ChannelCount);

        var active = GetInstrumentsTests.Results(await client.CallAsync("public/get_instruments", new { currency = "BTC", kind = "future" }));
        Assert.DoesNotContain(active, i => i.GetProperty("instrument_name").GetString() == future);
        var expired = GetInstrumentsTests.Results(await client.CallAsync("public/get_instruments", new { currency = "BTC", kind = "future", expired = true }));
        var entry = Assert.Single(expired);
        Assert.Equal(future, entry.GetProperty("instrument_name").GetString());
        Assert.False(entry.GetProperty("is_active").GetBoolean());

        var resubscribe = await client.CallAsync("public/subscribe", new { channels = new[] { channels[0] } });
        Assert.Empty(ProtocolTests.Strings(resubscribe));
    }

    [Fact]
    public async Task ChurnScheduleExpiresAndListsOnItsOwn()
    {
        var options = SimulatorTestOptions.Create(instruments: 60, rate: 0);
        options.ChurnInterval = TimeSpan.FromMilliseconds(100);
        await using var sim = await DeribitSimulatorServer.StartAsync(options);
        var initial = sim.Universe.Active.Select(i => i.InstrumentName).ToHashSet();
        var nearest = sim.Universe.Active.Where(i => i.Kind == InstrumentKind.Option).MinBy(i => (i.ExpirationTimestamp, i.InstrumentId))!.InstrumentName;
        var listedEvents = 0;
        sim.InstrumentListed += _ => Interlocked.Increment(ref listedEvents);

        await Eventually.TrueAsync(() => sim.Universe.Expired.Count >= 3 && Volatile.Read(ref listedEvents) >= 1, SimulatorTestOptions.Timeout, "three churn rounds");

        Assert.Contains(sim.Universe.Expired, i => i.InstrumentName == nearest);
        await using var client = await RawDeribitClient.ConnectAsync(sim.Url);
        var names = GetInstrumentsTests.Results(await client.CallAsync("public/get_instruments", new { currency = "any" }))
            .Select(i => i.GetProperty("instrument_name").GetString()!).ToHashSet();
        Assert.DoesNotContain(nearest, names);
        Assert.Contains(names, n => !initial.Contains(n));
    }
}
