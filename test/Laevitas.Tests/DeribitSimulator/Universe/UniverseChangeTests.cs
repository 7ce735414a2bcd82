using Laevitas.Testing;
using System.Text.Json;
using Laevitas.DeribitSimulator;
using Laevitas.DeribitSimulator.Universe;
using Laevitas.Tests.DeribitSimulator.Protocol;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.DeribitSimulator.Universe;

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

        // Read everything that has arrived on each poll, not one message: both channels tick far faster than the
        // poll interval, and reading one message per poll falls ever further behind the final ticker.
        var finalSeen = false;
        void Inspect(string message)
        {
            collector.Add(message);
            var data = JsonDocument.Parse(message).RootElement.GetProperty("params").GetProperty("data");
            if (data.GetProperty("instrument_name").GetString() == future && data.GetProperty("estimated_delivery_price").ValueKind == JsonValueKind.String)
            {
                Assert.Equal("expired", data.GetProperty("estimated_delivery_price").GetString());
                Assert.Equal("closed", data.GetProperty("state").GetString());
                finalSeen = true;
            }
        }

        await Eventually.TrueAsync(async () =>
        {
            var message = await client.NextMessageAsync(TimeSpan.FromSeconds(1));
            if (message is null) return false;
            Inspect(message);
            while (!finalSeen && client.TryNextMessage(out var next)) Inspect(next);
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
    public async Task ListingAndExpiryAreAnnouncedOnTheMatchingInstrumentStateChannelsOnly()
    {
        await using var sim = await DeribitSimulatorServer.StartAsync(SimulatorTestOptions.Create(instruments: 10, rate: 0));
        await using var client = await RawDeribitClient.ConnectAsync(sim.Url);
        string[] channels = ["instrument.state.option.BTC", "instrument.state.any.any", "instrument.state.future.ETH", "instrument.state.option.USDC"];
        var subscribed = await client.CallAsync("public/subscribe", new { channels });
        Assert.Equal(channels, ProtocolTests.Strings(subscribed));

        const string name = "BTC-26JUN26-150000-C";
        sim.AddListing(name);
        Assert.True(sim.Expire(name));

        // Only the two matching channels; the future.ETH and the option.USDC (settled in USDC, not BTC) ones stay silent.
        var received = new List<(string Channel, string State)>();
        await Eventually.TrueAsync(async () =>
        {
            var message = await client.NextMessageAsync(TimeSpan.FromSeconds(1));
            if (message is null) return false;
            var parameters = JsonDocument.Parse(message).RootElement.GetProperty("params");
            var data = parameters.GetProperty("data");
            Assert.Equal(name, data.GetProperty("instrument_name").GetString());
            Assert.Equal(JsonValueKind.Number, data.GetProperty("timestamp").ValueKind);
            received.Add((parameters.GetProperty("channel").GetString()!, data.GetProperty("state").GetString()!));
            return received.Count == 8;
        }, SimulatorTestOptions.Timeout, "created, started, settled and terminated on both matching channels");

        string[] states = ["created", "started", "settled", "terminated"];
        Assert.Equal(states, received.Where(r => r.Channel == channels[0]).Select(r => r.State));
        Assert.Equal(states, received.Where(r => r.Channel == channels[1]).Select(r => r.State));
        Assert.Null(await client.NextMessageAsync(TimeSpan.FromMilliseconds(300)));
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
