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

namespace Laevitas.Tests.Feed;

/// <summary>
/// The feed runs once per cluster, on the oldest Active silo; it moves when that silo dies or leaves and stays put
/// when younger silos come and go (docs/clustering.md).
/// </summary>
public sealed class FeedLeadershipTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public void Oldest_active_member_leads_and_ties_break_on_endpoint()
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
    public async Task Without_cluster_membership_the_host_runs_the_feed()
    {
        await using var simulator = await DeribitSimulatorServer.StartAsync(new SimulatorOptions { InstrumentCount = 5, TicksPerSecond = 200 });
        await using var harness = await FeedHarness.StartAsync(FeedHarness.FastSettings(simulator.Url));
        var leadership = harness.Services.GetRequiredService<FeedLeadership>();
        await Eventually.TrueAsync(() => harness.Sink.Count > 0, Patience, "ticks from the feed");
        Assert.True(leadership.IsLeader);
        Assert.Equal(1, leadership.TermsStarted);
    }

    [Fact]
    public async Task The_feed_runs_on_the_oldest_silo_only_and_moves_when_it_dies()
    {
        await using var simulator = await DeribitSimulatorServer.StartAsync(new SimulatorOptions { InstrumentCount = 20, TicksPerSecond = 400 });
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(FeedHarness.FastSettings(simulator.Url)).Build();
        var builder = new InProcessTestClusterBuilder(3);
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
        await using var cluster = builder.Build();
        await cluster.DeployAsync();

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
