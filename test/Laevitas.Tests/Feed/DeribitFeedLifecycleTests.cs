using Laevitas.Testing;
using System.Net;
using System.Net.Sockets;
using Laevitas.DeribitSimulator;
using Laevitas.Feed;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Laevitas.Tests.Feed;

/// <summary>Credentials, listing changes, explicit instruments and an unreachable endpoint.</summary>
public class DeribitFeedLifecycleTests
{
    [Fact]
    public async Task WrongCredentialsGiveAClearErrorAndNoRawSubscriptions()
    {
        var simOptions = new SimulatorOptions { InstrumentCount = 20, TicksPerSecond = 500 };
        simOptions.Credentials.Add(new SimulatorCredential("laevitas", "right-secret"));
        await using var run = await FeedRun.StartAsync(simOptions, settings =>
        {
            settings["Deribit:Interval"] = "raw";
            settings["Deribit:ClientId"] = "laevitas";
            settings["Deribit:ClientSecret"] = "wrong-secret";
        });
        var feed = run.Feed;

        // Generous: a liveness bound for a loaded machine (one round trip is milliseconds), not a speed target.
        await Eventually.TrueAsync(() => feed.Logs.Entries.Any(e => e.EventId.Id == 3006), TimeSpan.FromSeconds(30), "the credentials error",
            () => $"{feed.Status.Snapshot()}; {feed.LogText()}");

        var error = feed.Logs.Entries.First(e => e.EventId.Id == 3006);
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.Contains("Deribit rejected the API credentials (Deribit__ClientId / Deribit__ClientSecret)", error.Message);
        Assert.Contains("13004", error.Message);
        Assert.Contains("rejected the API credentials", feed.Status.LastError);
        Assert.Equal(0, feed.Status.ChannelsSubscribed);
        Assert.Equal(0, feed.Sink.Count);
        Assert.DoesNotContain(feed.Logs.Entries, e => e.Message.Contains("wrong-secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RightCredentialsAuthenticateAndRawChannelsTick()
    {
        var simOptions = new SimulatorOptions { InstrumentCount = 20, TicksPerSecond = 500 };
        simOptions.Credentials.Add(new SimulatorCredential("laevitas", "right-secret"));
        await using var run = await FeedRun.StartAsync(simOptions, settings =>
        {
            settings["Deribit:Interval"] = "raw";
            settings["Deribit:ClientId"] = "laevitas";
            settings["Deribit:ClientSecret"] = "right-secret";
        });
        var (sim, feed) = (run.Sim, run.Feed);

        await Eventually.TrueAsync(() => feed.Status.ChannelsSubscribed == 20 && feed.Sink.Count > 100, TimeSpan.FromSeconds(15),
            "raw channels subscribed and ticking", () => $"{feed.Status.Snapshot()}; {feed.LogText()}");

        Assert.All(sim.Connections, c => Assert.True(c.IsAuthenticated));
        Assert.DoesNotContain(feed.Logs.Entries, e => e.EventId.Id == 3006);
        Assert.DoesNotContain(feed.Logs.Entries, e => e.Message.Contains("right-secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FollowsANewListingAndDropsAnExpiredOne()
    {
        await using var run = await FeedRun.StartAsync(new SimulatorOptions { InstrumentCount = 60, TicksPerSecond = 1_000 },
            settings => settings["Deribit:DiscoveryRefreshSeconds"] = "0.5");
        var (sim, feed) = (run.Sim, run.Feed);
        await Eventually.TrueAsync(() => feed.Status.ChannelsSubscribed == 60, TimeSpan.FromSeconds(15), "all channels subscribed",
            () => feed.Status.Snapshot().ToString());

        var expiring = sim.Universe.Active.First(i => i.InstrumentName.StartsWith("BTC-", StringComparison.Ordinal) && i.OptionType is not null);
        var listed = sim.AddListing(NewStrike(expiring.InstrumentName, sim)).InstrumentName;
        Assert.True(sim.Expire(expiring.InstrumentName));

        await Eventually.TrueAsync(() => feed.Sink.Delisted.Contains(expiring.InstrumentName) && feed.Sink.CountFor(listed) > 0,
            TimeSpan.FromSeconds(15), $"{expiring.InstrumentName} delisted and {listed} ticking", () => $"{feed.Status.Snapshot()}; {feed.LogText(LogLevel.Information)}");

        Assert.Contains(listed, feed.Sink.Listed);
        Assert.Equal(60, feed.Status.InstrumentsFollowed);
        await Eventually.TrueAsync(() => feed.Status.ChannelsSubscribed == 60, TimeSpan.FromSeconds(10), "60 channels after the change",
            () => feed.Status.Snapshot().ToString());
        Assert.Equal(60, sim.Connections.Sum(c => c.ChannelCount));
        Assert.Equal(0, feed.Status.ParseErrors);
    }

    [Fact]
    public async Task ExplicitInstrumentsAreCheckedAndUnknownOnesReported()
    {
        await using var run = await FeedRun.StartAsync(new SimulatorOptions { InstrumentCount = 30, TicksPerSecond = 1_000 },
            settings => settings["Deribit:Instruments"] = "BTC-PERPETUAL, ETH-PERPETUAL, BTC-1JAN20-1-C");
        var feed = run.Feed;

        await Eventually.TrueAsync(() => feed.Sink.CountFor("BTC-PERPETUAL") > 0 && feed.Sink.CountFor("ETH-PERPETUAL") > 0, TimeSpan.FromSeconds(15),
            "ticks for the two listed instruments", () => $"{feed.Status.Snapshot()}; {feed.LogText()}");

        Assert.Equal(2, feed.Status.InstrumentsFollowed);
        Assert.Equal(["BTC-PERPETUAL", "ETH-PERPETUAL"], feed.Sink.Snapshot().Keys.Order());
        var unknown = Assert.Single(feed.Logs.Entries, e => e.EventId.Id == 3014);
        Assert.Equal(LogLevel.Error, unknown.Level);
        Assert.Contains("BTC-1JAN20-1-C", unknown.Message);
    }

    [Fact]
    public async Task UnreachableEndpointLogsOneClearErrorPointingToTheSimulatorAndKeepsRetrying()
    {
        var settings = FeedHarness.FastSettings($"ws://127.0.0.1:{ClosedPort()}/ws/api/v2");
        await using var feed = await FeedHarness.StartAsync(settings);

        await Eventually.TrueAsync(() => feed.Status.CircuitOpenings >= 2, TimeSpan.FromSeconds(15), "the breaker to open twice (retrying behind it)",
            () => feed.Status.Snapshot().ToString());

        var error = Assert.Single(feed.Logs.Entries, e => e.EventId.Id == 3000);
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.Contains("Cannot reach the Deribit endpoint", error.Message);
        Assert.Contains("./run.sh --simulator", error.Message);
        Assert.Contains("Deribit__Url=ws://127.0.0.1:9000/ws/api/v2", error.Message);
        Assert.True(error.Message.Contains("ConnectionRefused", StringComparison.Ordinal), error.Message);
        Assert.True(feed.Logs.Entries.Count(e => e.EventId.Id == 3001) >= 2, "later attempts are reported as warnings");
        Assert.NotNull(feed.Status.LastErrorAt);
    }

    [Fact]
    public async Task UnresolvableHostIsReportedAsUnreachable()
    {
        // ".invalid" never resolves (RFC 2606); without a resolver the connect timeout gives the same verdict.
        await using var feed = await FeedHarness.StartAsync(FeedHarness.FastSettings("wss://www.deribit.invalid/ws/api/v2"));

        await Eventually.TrueAsync(() => feed.Logs.Entries.Any(e => e.EventId.Id == 3000), TimeSpan.FromSeconds(15), "the unreachable-endpoint error",
            () => feed.LogText());

        var error = feed.Logs.Entries.First(e => e.EventId.Id == 3000);
        Assert.Contains("wss://www.deribit.invalid/ws/api/v2", error.Message);
        Assert.True(error.Message.Contains("DNS lookup failed", StringComparison.Ordinal) || error.Message.Contains("no connection within", StringComparison.Ordinal),
            error.Message);
        Assert.Contains("./run.sh --simulator", error.Message);
    }

    /// <summary>A port nothing listens on (bound, then released).</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Same expiry and type as an existing option, a strike nobody lists.</summary>
    internal static string NewStrike(string optionName, DeribitSimulatorServer sim)
    {
        var parts = optionName.Split('-');
        var strike = int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture) + 1;
        while (sim.Universe.IsActive($"{parts[0]}-{parts[1]}-{strike}-{parts[3]}"))
        {
            strike++;
        }

        return $"{parts[0]}-{parts[1]}-{strike}-{parts[3]}";
    }
}
