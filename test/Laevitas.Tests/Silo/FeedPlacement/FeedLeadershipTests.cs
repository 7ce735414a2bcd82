using Laevitas.Testing;
using Laevitas.Silo.FeedPlacement;
using System.Collections.Immutable;
using System.Net;
using Laevitas.DeribitSimulator;
using Laevitas.Feed;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace Laevitas.Tests.Silo.FeedPlacement;

/// <summary>
/// The feed runs once per cluster, on the oldest Active silo; it moves when that silo dies or leaves and stays put
/// when younger silos come and go (docs/clustering.md).
/// </summary>
public sealed class FeedLeadershipTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public void OldestActiveMemberLeadsAndTiesBreakOnEndpoint()
    {
        var oldestButDead = Silo(11111, generation: 100);
        var oldActive = Silo(11113, generation: 200);
        var twinA = Silo(11112, generation: 200);
        var young = Silo(11114, generation: 300);
        var joining = Silo(11115, generation: 50);
        var snapshot = Snapshot(
            (oldestButDead, SiloStatus.Dead),
            (oldActive, SiloStatus.Active),
            (twinA, SiloStatus.Active),
            (young, SiloStatus.Active),
            (joining, SiloStatus.Joining));

        // Generation 200 twice: the smaller endpoint wins, whatever the dictionary's order.
        Assert.Equal(twinA, FeedLeadership.ElectLeader(snapshot));
        Assert.Equal(young, FeedLeadership.ElectLeader(Snapshot((young, SiloStatus.Active), (oldActive, SiloStatus.ShuttingDown))));
        Assert.Null(FeedLeadership.ElectLeader(Snapshot((oldActive, SiloStatus.Stopping), (joining, SiloStatus.Joining))));
    }

    [Fact]
    public void FeedSilosAreTheOldestActiveMembers()
    {
        var a = Silo(11111, generation: 100);
        var b = Silo(11112, generation: 200);
        var c = Silo(11113, generation: 300);
        var leaving = Silo(11110, generation: 50);
        var snapshot = Snapshot((c, SiloStatus.Active), (leaving, SiloStatus.ShuttingDown), (b, SiloStatus.Active), (a, SiloStatus.Active));

        Assert.Equal([a, b], FeedLeadership.ElectFeedSilos(snapshot, 2));
        Assert.Equal([a, b, c], FeedLeadership.ElectFeedSilos(snapshot, 5));
        Assert.Equal([a], FeedLeadership.ElectFeedSilos(snapshot, 1));
    }

    [Fact]
    public async Task TwoFeedsRunOnTheTwoOldestSilosAndTheNextTakesOverWhenOneDies()
    {
        await using var simulator = await DeribitSimulatorServer.StartAsync(new SimulatorOptions { InstrumentCount = 20, TicksPerSecond = 400 });
        var settings = FeedHarness.FastSettings(simulator.Url);
        settings["Deribit:FeedReplicas"] = "2";
        await using var cluster = await StartClusterAsync(settings, 3);
        var byAge = ByAge(cluster.Silos);

        await Eventually.TrueAsync(() => ByAge(LeadersOf(cluster)).SequenceEqual(byAge[..2]) && byAge[..2].All(s => Sink(s).Count > 0), Patience,
            "the two oldest silos to run a feed each", () => Describe(cluster));
        await Eventually.TrueAsync(() => simulator.Connections.Count == 2, Patience, "two ticker connections", () => string.Join(", ", simulator.Connections));

        await cluster.KillSiloAsync(byAge[0]);
        await Eventually.TrueAsync(() => ByAge(LeadersOf(cluster)).SequenceEqual(byAge[1..]) && Sink(byAge[2]).Count > 0, Patience,
            "the third silo to start the second feed", () => Describe(cluster));
        await Eventually.TrueAsync(() => simulator.Connections.Count == 2, Patience, "still two ticker connections", () => string.Join(", ", simulator.Connections));
    }

    [Fact]
    public async Task AStoppingFeedSiloKeepsItsFeedUntilTheNextOneHasSubscribed()
    {
        await using var simulator = await DeribitSimulatorServer.StartAsync(new SimulatorOptions { InstrumentCount = 20, TicksPerSecond = 400 });
        var settings = FeedHarness.FastSettings(simulator.Url);
        settings["Deribit:FeedReplicas"] = "2";
        await using var cluster = await StartClusterAsync(settings, 3);
        var byAge = ByAge(cluster.Silos);
        var followed = 0;
        await Eventually.TrueAsync(() =>
            {
                followed = byAge[0].ServiceProvider.GetRequiredService<FeedStatus>().InstrumentsFollowed;
                return followed > 0 && ByAge(LeadersOf(cluster)).SequenceEqual(byAge[..2]) && Subscribed(simulator) == 2 * followed;
            },
            Patience, "two complete feeds on the two oldest silos", () => $"{Subscribed(simulator)} channels; {Describe(cluster)}");

        // Watch the exchange side while the oldest silo stops gracefully: break-before-make would show a second or
        // more with one feed only (membership needs that long to tell the others), make-before-break never.
        using var watching = new CancellationTokenSource();
        var fewest = int.MaxValue;
        var watcher = Task.Run(async () =>
        {
            while (!watching.IsCancellationRequested)
            {
                fewest = Math.Min(fewest, Subscribed(simulator));
                await Task.Delay(10);
            }
        });
        await cluster.StopSiloAsync(byAge[0]);
        await watching.CancelAsync();
        await watcher;

        Assert.True(fewest >= 2 * followed, $"at some point only {fewest} channels of {2 * followed} were subscribed");
        await Eventually.TrueAsync(() => ByAge(LeadersOf(cluster)).SequenceEqual(byAge[1..]), Patience,
            "the two remaining silos to run the feeds", () => Describe(cluster));
    }

    [Fact]
    public async Task ACompleteReportMadeBeforeAHandOverBeganDoesNotCountForIt()
    {
        var grain = new FeedHandoverGrain(TimeProvider.System);
        var leaving = Silo(11111, generation: 100);
        var staying = Silo(11112, generation: 200);
        var successor = Silo(11113, generation: 300);

        // The successor led for a moment when the silos started together; that term has ended, but its last report
        // stands until the next one.
        await grain.ReportAsync(new FeedReport(successor, Leaving: false, Complete: true));
        await grain.ReportAsync(new FeedReport(staying, Leaving: false, Complete: true));
        var view = await grain.ReportAsync(new FeedReport(leaving, Leaving: true, Complete: true));
        Assert.Equal([leaving], view.Leaving);
        Assert.DoesNotContain(successor, view.Complete);
        Assert.DoesNotContain(staying, view.Complete);

        await grain.ReportAsync(new FeedReport(staying, Leaving: false, Complete: true));
        view = await grain.ReportAsync(new FeedReport(leaving, Leaving: true, Complete: true));
        Assert.Contains(staying, view.Complete);
        Assert.DoesNotContain(successor, view.Complete);

        await grain.ReportAsync(new FeedReport(successor, Leaving: false, Complete: true));
        view = await grain.ReportAsync(new FeedReport(leaving, Leaving: true, Complete: true));
        Assert.Contains(successor, view.Complete);

        // A silo displaced without leaving gets the same rule; one that hands nothing over sees every complete report.
        view = await grain.ReportAsync(new FeedReport(staying, Leaving: false, Complete: true, HandingOver: true));
        Assert.DoesNotContain(successor, view.Complete);
        view = await grain.ReportAsync(new FeedReport(successor, Leaving: false, Complete: true));
        Assert.Equal([leaving, staying, successor], view.Complete.OrderBy(s => s.Endpoint.Port));
    }

    [Fact]
    public void ASiloThatAnnouncedItIsLeavingIsNotElected()
    {
        var a = Silo(11111, generation: 100);
        var b = Silo(11112, generation: 200);
        var c = Silo(11113, generation: 300);
        var snapshot = Snapshot((a, SiloStatus.Active), (b, SiloStatus.Active), (c, SiloStatus.Active));

        Assert.Equal([b, c], FeedLeadership.ElectFeedSilos(snapshot, 2, [a]));
        Assert.Equal([c], FeedLeadership.ElectFeedSilos(snapshot, 2, [a, b]));
    }

    [Fact]
    public async Task WithoutClusterMembershipTheHostRunsTheFeed()
    {
        await using var simulator = await DeribitSimulatorServer.StartAsync(new SimulatorOptions { InstrumentCount = 5, TicksPerSecond = 200 });
        await using var harness = await FeedHarness.StartAsync(FeedHarness.FastSettings(simulator.Url));
        var leadership = harness.Services.GetRequiredService<FeedLeadership>();
        await Eventually.TrueAsync(() => harness.Sink.Count > 0, Patience, "ticks from the feed");
        Assert.True(leadership.IsLeader);
        Assert.Equal(1, leadership.TermsStarted);
    }

    [Fact]
    public async Task TheFeedRunsOnTheOldestSiloOnlyAndMovesWhenItDies()
    {
        await using var simulator = await DeribitSimulatorServer.StartAsync(new SimulatorOptions { InstrumentCount = 20, TicksPerSecond = 400 });
        await using var cluster = await StartClusterAsync(FeedHarness.FastSettings(simulator.Url), 3);

        // Silos started within the same second share a generation; the endpoint breaks the tie.
        var byAge = ByAge(cluster.Silos);
        var first = byAge[0];
        await Eventually.TrueAsync(() => LeadersOf(cluster).SequenceEqual([first]) && Sink(first).Count > 0, Patience,
            "the first silo alone to run the feed", () => Describe(cluster));
        Assert.All(cluster.Silos, s => Assert.Equal(first.SiloAddress.ToString(), Leadership(s).Leader));
        output.WriteLine("started: " + Describe(cluster));

        // A younger silo joins: the feed does not move.
        var fourth = await cluster.StartAdditionalSiloAsync();
        await Eventually.TrueAsync(() => Leadership(fourth).Leader == first.SiloAddress.ToString(), Patience, "the newcomer to see the same leader");
        Assert.Equal([first], LeadersOf(cluster));

        // The leader dies without a goodbye: the next oldest takes over and ticks flow through it.
        var second = byAge[1];
        // Silos starting at the same time may each lead for a moment until they see the older one Active (harmless:
        // a tick stored twice is stored once); what counts is that the second silo starts a term after the kill.
        var secondTermsBeforeKill = Leadership(second).TermsStarted;
        await cluster.KillSiloAsync(first);
        await Eventually.TrueAsync(() => LeadersOf(cluster).SequenceEqual([second]) && Sink(second).Count > 0, Patience,
            "the second-oldest silo to take over the feed", () => Describe(cluster));

        // The simulator serves one feed: the dead leader's connection is gone, the new one holds every channel.
        await Eventually.TrueAsync(() => simulator.Connections is [{ } only] && only.ChannelCount == second.ServiceProvider.GetRequiredService<FeedStatus>().InstrumentsFollowed,
            Patience, "one ticker connection with every channel the new leader follows",
            () => string.Join(", ", simulator.Connections));
        Assert.All(cluster.Silos.Where(s => s != second), s => Assert.False(Leadership(s).IsLeader));

        Assert.Equal(secondTermsBeforeKill + 1, Leadership(second).TermsStarted);

        // A non-leader leaves gracefully: nothing moves.
        var ticksBefore = Sink(second).Count;
        var termsBefore = Leadership(second).TermsStarted;
        await cluster.StopSiloAsync(fourth);
        await Eventually.TrueAsync(() => Sink(second).Count > ticksBefore, Patience, "ticks still flowing through the leader");
        Assert.Equal([second], LeadersOf(cluster));
        Assert.Equal(termsBefore, Leadership(second).TermsStarted);
        output.WriteLine(Describe(cluster));
    }

    private static async Task<InProcessTestCluster> StartClusterAsync(IDictionary<string, string?> settings, short silos)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var builder = new InProcessTestClusterBuilder(silos);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSingleton<CollectingTickSink>();
            silo.Services.AddDeribitFeed<CollectingTickSink>(configuration);
            // A killed silo is declared dead within seconds.
            silo.Services.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
            });
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    private static int Subscribed(DeribitSimulatorServer simulator) => simulator.Connections.Sum(c => c.ChannelCount);

    private static FeedLeadership Leadership(InProcessSiloHandle silo) => silo.ServiceProvider.GetRequiredService<FeedLeadership>();

    private static CollectingTickSink Sink(InProcessSiloHandle silo) => (CollectingTickSink)silo.ServiceProvider.GetRequiredService<ITickSink>();

    private static List<InProcessSiloHandle> ByAge(IEnumerable<InProcessSiloHandle> silos) =>
        silos.OrderBy(s => s.SiloAddress.Generation).ThenBy(s => s.SiloAddress.ToParsableString(), StringComparer.Ordinal).ToList();

    private static List<InProcessSiloHandle> LeadersOf(InProcessTestCluster cluster) =>
        cluster.Silos.Where(s => Leadership(s).IsLeader).ToList();

    private static string Describe(InProcessTestCluster cluster) =>
        string.Join(" | ", cluster.Silos.Select(s => $"{s.SiloAddress}: leader={Leadership(s).IsLeader} terms={Leadership(s).TermsStarted} sees {Leadership(s).Leader} ticks={Sink(s).Count}"));

    private static SiloAddress Silo(int port, int generation) => SiloAddress.New(new IPEndPoint(IPAddress.Loopback, port), generation);

    private static ClusterMembershipSnapshot Snapshot(params (SiloAddress Silo, SiloStatus Status)[] members) =>
        new(members.ToImmutableDictionary(m => m.Silo, m => new ClusterMember(m.Silo, m.Status, m.Silo.ToString())), new MembershipVersion(1));
}
