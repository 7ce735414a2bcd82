using Laevitas.DeribitSimulator;
using Laevitas.Feed;
using Laevitas.Testing;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Laevitas.Tests.Feed;

/// <summary>
/// Live listings through <c>instrument.state.{kind}.{currency}</c>. The discovery poll is an hour away in every test, so
/// only the channel can explain a listing followed or dropped within seconds.
/// </summary>
public class DeribitFeedListingTests
{
    private const int Instruments = 40;

    // BTC, ETH, USDC × option, future (FeedRun's currencies, the default kinds).
    private const int StateChannels = 6;

    // Seconds against the poll's hour: enough to tell the channel from the poll, and to ride out a loaded machine (10 s
    // ran out once while other test collections ran beside these).
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task NewListingIsFollowedWithinSecondsAndAnExpiredOneDropped()
    {
        await using var run = await StartAsync(stateChannel: true);
        var (sim, feed) = (run.Sim, run.Feed);
        await Eventually.TrueAsync(() => feed.Status.ChannelsSubscribed == Instruments + StateChannels, Soon,
            "every ticker and instrument.state channel subscribed", () => $"{feed.Status.Snapshot()}; {feed.LogText()}");

        var listed = AddOption(sim);

        await Eventually.TrueAsync(() => feed.Sink.CountFor(listed) > 0, Soon, $"{listed} followed and ticking",
            () => $"{feed.Status.Snapshot()}; {feed.LogText(LogLevel.Information)}");
        Assert.Contains(listed, feed.Sink.Listed);
        Assert.Equal(Instruments + 1, feed.Status.InstrumentsFollowed);
        Assert.True(feed.Status.ListingEvents(ListingState.Created) >= 1);

        Assert.True(sim.Expire(listed));

        await Eventually.TrueAsync(() => feed.Sink.Delisted.Contains(listed), Soon, $"{listed} dropped",
            () => $"{feed.Status.Snapshot()}; {feed.LogText(LogLevel.Information)}");
        Assert.Equal(Instruments, feed.Status.InstrumentsFollowed);
        // The feed no longer wants its ticker channel: only the first instruments' and the instrument.state ones remain.
        Assert.Equal(Instruments + StateChannels, feed.Status.ChannelsWanted);
        Assert.True(feed.Status.ListingEvents(ListingState.Terminated) >= 1);
        Assert.Equal(0, feed.Status.ParseErrors);
    }

    [Fact]
    public async Task WithoutTheChannelANewListingWaitsForThePoll()
    {
        await using var run = await StartAsync(stateChannel: false);
        var (sim, feed) = (run.Sim, run.Feed);
        await Eventually.TrueAsync(() => feed.Status.ChannelsSubscribed == Instruments, Soon, "every ticker channel subscribed",
            () => $"{feed.Status.Snapshot()}; {feed.LogText()}");
        // A bystander on the channel proves the exchange did announce the listing, so only the option explains the feed.
        await using var bystander = await RawDeribitClient.ConnectAsync(sim.Url);
        await bystander.CallAsync("public/subscribe", new { channels = new[] { "instrument.state.option.BTC" } });

        var listed = AddOption(sim);
        await Eventually.TrueAsync(() => bystander.TryNextMessage(out var message) && message.Contains(listed, StringComparison.Ordinal), Soon,
            "the bystander to get the created notification");
        // Time the channel would have needed (the first test follows within this): many more ticks of the other instruments.
        var before = feed.Sink.Count;
        await Eventually.TrueAsync(() => feed.Sink.Count > before + 3_000, Soon, "3,000 more ticks of the followed instruments",
            () => $"{feed.Sink.Count - before} more; {feed.Status.Snapshot()}");

        Assert.DoesNotContain(listed, feed.Sink.Listed);
        Assert.Equal(0, feed.Sink.CountFor(listed));
        Assert.Equal(Instruments, feed.Status.InstrumentsFollowed);
        Assert.All(ListingStates.All, state => Assert.Equal(0, feed.Status.ListingEvents(state)));
    }

    private static Task<FeedRun> StartAsync(bool stateChannel) =>
        FeedRun.StartAsync(new SimulatorOptions { InstrumentCount = Instruments, TicksPerSecond = 1_000 }, settings =>
        {
            settings["Deribit:DiscoveryRefreshSeconds"] = "3600";
            settings["Deribit:InstrumentStateChannel"] = stateChannel ? "true" : "false";
        });

    private static string AddOption(DeribitSimulatorServer sim)
    {
        var option = sim.Universe.Active.First(i => i.InstrumentName.StartsWith("BTC-", StringComparison.Ordinal) && i.OptionType is not null);
        return sim.AddListing(DeribitFeedLifecycleTests.NewStrike(option.InstrumentName, sim)).InstrumentName;
    }
}
