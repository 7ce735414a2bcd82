using Laevitas.Testing;
using Laevitas.DeribitSimulator;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.Feed;

public class DeribitFeedUniverseTests
{
    [Fact]
    public async Task DiscoversFiveThousandInstrumentsSubscribesAllWithinLimitsAndReceivesEveryTickOnceInOrder()
    {
        // Quiet while subscribing, so the exchange's view of call spacing is not distorted by a loaded machine.
        var simOptions = new SimulatorOptions { InstrumentCount = 5_000, TicksPerSecond = 0, RecordEmitted = true };
        // A small burst allowance (absorbs the jitter between the feed's sends and the exchange's reads, both in this
        // process): the ten calls needed would be refused from the seventh on without the feed's own pacing below
        // the sustained rate.
        simOptions.Limits.SubscribeBurst = 6;
        await using var run = await FeedRun.StartAsync(simOptions, settings =>
        {
            settings["Deribit:ChannelsPerSubscribeCall"] = simOptions.Limits.MaxChannelsPerSubscribe.ToString();
            settings["Deribit:ChannelsPerConnection"] = "1000";
        });
        var (sim, feed) = (run.Sim, run.Feed);

        await Eventually.TrueAsync(() => feed.Status.ChannelsSubscribed == 5_000, TimeSpan.FromSeconds(60),
            "all 5,000 channels subscribed", () => $"{feed.Status.Snapshot()}; log: {feed.LogText()}");

        Assert.Equal(5_000, feed.Status.InstrumentsFollowed);
        Assert.Equal(5, feed.Status.ConnectionsOpen);
        Assert.Equal(sim.Universe.Active.Select(i => i.InstrumentName).Order(), feed.Sink.Listed.Order());
        Assert.All(sim.Connections, c => Assert.InRange(c.ChannelCount, 1, 1_000));
        var statistics = sim.GetStatistics();
        Assert.Equal(0, statistics.RateLimited);
        Assert.DoesNotContain(feed.Logs.Entries, e => e.EventId.Id == 3017); // no "request entity too large" splits

        sim.TicksPerSecond = 20_000;
        await Eventually.TrueAsync(() => feed.Sink.Count >= 20_000, TimeSpan.FromSeconds(30), "20,000 ticks received", () => $"{feed.Sink.Count}");
        sim.TicksPerSecond = 0;
        await WaitForDrainAsync(sim, feed);

        FeedLedger.AssertExactlyOnceInOrder(sim, feed.Sink);
        Assert.Equal(0, feed.Status.ParseErrors);
        Assert.Equal(0, feed.Status.Reconnects);
    }

    [Fact]
    public async Task SplitsSubscribeCallsTheExchangeFindsTooLarge()
    {
        var simOptions = new SimulatorOptions { InstrumentCount = 200, TicksPerSecond = 500 };
        simOptions.Limits.MaxChannelsPerSubscribe = 60;
        await using var run = await FeedRun.StartAsync(simOptions, settings => settings["Deribit:ChannelsPerSubscribeCall"] = "200");

        // 200 refused (-32600, no id), 2 x 100 refused, 4 x 50 accepted.
        await Eventually.TrueAsync(() => run.Feed.Status.ChannelsSubscribed == 200, TimeSpan.FromSeconds(20), "all 200 channels subscribed",
            () => $"{run.Feed.Status.Snapshot()}; log: {run.Feed.LogText()}");

        Assert.Equal(3, run.Feed.Logs.Entries.Count(e => e.EventId.Id == 3017));
        Assert.Equal(0, run.Feed.Status.Reconnects);
        Assert.Equal(0, run.Feed.Status.ParseErrors);
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
