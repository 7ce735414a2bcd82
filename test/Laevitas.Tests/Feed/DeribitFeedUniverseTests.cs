using Laevitas.DeribitSimulator;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.Feed;

public class DeribitFeedUniverseTests
{
    [Fact]
    public async Task DiscoversFiveThousandInstrumentsSubscribesAllWithinLimitsAndReceivesEveryTickOnceInOrder()
    {
        var simOptions = new SimulatorOptions { InstrumentCount = 5_000, TicksPerSecond = 20_000, RecordEmitted = true };
        // A small burst allowance (absorbs scheduling jitter on a loaded machine): the ten calls needed would be
        // refused from the fourth on without the feed's own pacing below the sustained rate.
        simOptions.Limits.SubscribeBurst = 3;
        await using var sim = await DeribitSimulatorServer.StartAsync(simOptions);
        var settings = FeedHarness.FastSettings(sim.Url);
        settings["Deribit:Currencies"] = "BTC,ETH,USDC";
        settings["Deribit:ChannelsPerSubscribeCall"] = simOptions.Limits.MaxChannelsPerSubscribe.ToString();
        settings["Deribit:ChannelsPerConnection"] = "1000";
        await using var feed = await FeedHarness.StartAsync(settings);

        await Eventually.TrueAsync(() => feed.Status.ChannelsSubscribed == 5_000, TimeSpan.FromSeconds(60),
            "all 5,000 channels subscribed", () => $"{feed.Status.Snapshot()}; log: {feed.LogText()}");

        Assert.Equal(5_000, feed.Status.InstrumentsFollowed);
        Assert.Equal(5, feed.Status.ConnectionsOpen);
        Assert.Equal(sim.Universe.Active.Select(i => i.InstrumentName).Order(), feed.Sink.Listed.Order());
        Assert.All(sim.Connections, c => Assert.InRange(c.ChannelCount, 1, 1_000));
        var statistics = sim.GetStatistics();
        Assert.Equal(0, statistics.RateLimited);
        Assert.DoesNotContain(feed.Logs.Entries, e => e.EventId.Id == 3017); // no "request entity too large" splits

        await Eventually.TrueAsync(() => feed.Sink.Count >= 20_000, TimeSpan.FromSeconds(30), "20,000 ticks received", () => $"{feed.Sink.Count}");
        sim.TicksPerSecond = 0;
        await WaitForDrainAsync(sim, feed);

        FeedLedger.AssertExactlyOnceInOrder(sim, feed.Sink);
        Assert.Equal(0, feed.Status.ParseErrors);
        Assert.Equal(0, feed.Status.Reconnects);
    }

    /// <summary>Emission stopped: waits until the sink holds as many ticks as the simulator sent, twice in a row.</summary>
    internal static async Task WaitForDrainAsync(DeribitSimulatorServer sim, FeedHarness feed)
    {
        var lastSent = -1L;
        await Eventually.TrueAsync(() =>
        {
            var sent = sim.Ledger.TotalSent;
            var stable = sent == lastSent;
            lastSent = sent;
            return stable && feed.Sink.Count == sent;
        }, TimeSpan.FromSeconds(20), "every sent tick received", () => $"sent {sim.Ledger.TotalSent}, received {feed.Sink.Count}");
    }
}
