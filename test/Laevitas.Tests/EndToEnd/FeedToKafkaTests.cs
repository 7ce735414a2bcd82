using Laevitas.Testing;
using Laevitas.Silo.FeedPlacement;
using Laevitas.Grains.Instruments;
using Laevitas.Grains.Storage;
using System.Diagnostics;
using Confluent.Kafka;
using Laevitas.DeribitSimulator;
using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Streaming.Kafka;
using Laevitas.Grains.Publishing;
using Laevitas.Silo.Dispatch;
using Laevitas.Feed;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace Laevitas.Tests.EndToEnd;

/// <summary>
/// The first half of the pipeline end to end: simulator → DeribitFeed → GrainTickSink → InstrumentGrain →
/// KafkaTickPublisher → topic, checked against the simulator's ledger of what it sent.
/// </summary>
[Collection(GrainsCollection.Name)]
public sealed class FeedToKafkaTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly PrivateBrokerAndSpool own = new("e2e");
    private string connectionString = "";

    public async Task InitializeAsync() => connectionString = await postgres.CreateDatabaseAsync("grains_feed_to_kafka");

    public Task DisposeAsync()
    {
        own.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task EveryEmittedTickIsOnTheTopicOnceInOrder()
    {
        var run = await RunAsync(nameof(EveryEmittedTickIsOnTheTopicOnceInOrder), instruments: 300, ticksPerSecond: 5_000, ticks: 30_000, outage: null);

        // Whether the spool was used is not asserted: a broker that acknowledges nothing for a second (an in-process
        // one on a loaded machine can) rightly sends ticks through it. What matters is checked: every tick on the
        // topic once, in order (RunAsync), and none dropped.
        Assert.Equal(0, run.Publisher.Dropped);
        Assert.Equal(300, run.Registered);
    }

    [Fact]
    public async Task BrokerDownMidStreamLosesAndDuplicatesNothing()
    {
        // The scenario is 30 s down; 15 s takes the same path (first level full, spool, replay) in half
        // the time. Raise it here to rehearse the full outage.
        var run = await RunAsync(nameof(BrokerDownMidStreamLosesAndDuplicatesNothing), instruments: 200, ticksPerSecond: 3_000, ticks: 60_000, outage: TimeSpan.FromSeconds(15));

        Assert.True(run.Publisher.Spooled > 0, $"the outage should have overflowed into the spool: {run.Publisher}");
        Assert.Equal(0, run.Publisher.Dropped);
        Assert.Empty(Directory.GetFiles(own.SpoolDirectory, "*.spool"));
    }

    [Fact]
    public async Task ListingsAndDelistingsReachTheGrainsAndTheRegistry()
    {
        var kafka = await own.TopicAsync(nameof(ListingsAndDelistingsReachTheGrainsAndTheRegistry), 2);
        await using var simulator = await DeribitSimulatorServer.StartAsync(new SimulatorOptions { InstrumentCount = 20, TicksPerSecond = 200 });
        var settings = FeedHarness.FastSettings(simulator.Url);
        settings["Deribit:Currencies"] = "BTC,ETH,USDC";
        settings["Deribit:DiscoveryRefreshSeconds"] = "1";
        await using var cluster = await GrainTestCluster.StartAsync(
            connectionString, kafka, own.SpoolDirectory, "listing-" + Guid.NewGuid().ToString("N")[..8], settings,
            silo =>
            {
                silo.AddLaevitasGrainStorage().AddLaevitasInstruments().AddTickDispatch();
                silo.Services.AddDeribitFeed<GrainTickSink>(silo.Configuration);
            });
        var registry = cluster.Client.GetGrain<IInstrumentRegistryGrain>(IInstrumentRegistryGrain.Key);
        await Eventually.TrueAsync(async () => await registry.CountAsync() == 20, Timeout, "the first listing registered");

        var gone = simulator.Universe.Active.First(i => i.InstrumentName.EndsWith("-C", StringComparison.Ordinal)).InstrumentName;
        const string added = "ETH-29DEC28-5000-C";
        simulator.Expire(gone);
        simulator.AddListing(added);

        await Eventually.TrueAsync(
            async () => (await registry.ListAsync(new InstrumentQuery { Status = InstrumentStatus.Delisted })).Any(l => l.InstrumentName == gone),
            Timeout, $"{gone} delisted in the registry");
        // The dispatcher marks the registry first, then each grain: the grain follows a moment later.
        await Eventually.TrueAsync(
            async () => (await cluster.Client.GetGrain<IInstrumentGrain>(gone).GetSnapshotAsync()).Status == InstrumentStatus.Delisted,
            Timeout, $"{gone} delisted in its grain");

        await Eventually.TrueAsync(
            async () => (await cluster.Client.GetGrain<IInstrumentGrain>(added).GetSnapshotAsync()).Info is not null,
            Timeout, $"{added} listed with its grain");
        var listing = Assert.Single(await registry.ListAsync(new InstrumentQuery { Currency = "ETH", Kind = InstrumentKind.Option, ExpiryFrom = new DateOnly(2028, 12, 29), ExpiryTo = new DateOnly(2028, 12, 29) }));
        Assert.Equal(added, listing.InstrumentName);
        Assert.Equal(5000m, listing.Strike);
        Assert.Equal(InstrumentStatus.Active, listing.Status);
    }

    private async Task<RunResult> RunAsync(string name, int instruments, double ticksPerSecond, long ticks, TimeSpan? outage)
    {
        const int partitions = 4;
        var kafka = await own.TopicAsync(name, partitions);
        var simulatorOptions = new SimulatorOptions { InstrumentCount = instruments, TicksPerSecond = 0, MaxTicks = ticks, RecordEmitted = true };
        await using var simulator = await DeribitSimulatorServer.StartAsync(simulatorOptions);

        var settings = FeedHarness.FastSettings(simulator.Url);
        settings["Deribit:Currencies"] = "BTC,ETH,USDC";
        // A small first level, so that an outage overflows into the spool within seconds.
        settings["Publisher:BufferMaxMessages"] = "5000";
        await using var cluster = await GrainTestCluster.StartAsync(
            connectionString, kafka, own.SpoolDirectory, "e2e-" + Guid.NewGuid().ToString("N")[..8], settings,
            silo =>
            {
                silo.AddLaevitasGrainStorage().AddLaevitasInstruments().AddTickDispatch();
                silo.Services.AddDeribitFeed<GrainTickSink>(silo.Configuration);
            });
        var services = cluster.GetSiloServiceProvider();
        var feedStatus = services.GetRequiredService<FeedStatus>();
        var publisher = services.GetRequiredService<KafkaTickPublisher>();
        var registry = cluster.Client.GetGrain<IInstrumentRegistryGrain>(IInstrumentRegistryGrain.Key);
        await Eventually.TrueAsync(() => feedStatus.ChannelsSubscribed == instruments, Timeout, "every channel subscribed", () => feedStatus.Snapshot().ToString());

        var clock = Stopwatch.StartNew();
        simulator.TicksPerSecond = ticksPerSecond;
        if (outage is { } down)
        {
            await Eventually.TrueAsync(() => simulator.TicksSent >= ticks / 5, Timeout, "ticks flowing before the outage");
            own.Kafka.SetAllBrokersDown();
            await Task.Delay(down);
            output.WriteLine($"after {down.TotalSeconds:0} s down: {publisher.GetStatus()}");
            own.Kafka.SetAllBrokersUp();
        }

        await simulator.EmissionCompleted.WaitAsync(Timeout);
        await Eventually.TrueAsync(
            () => publisher.GetStatus() is { Spooling: false } s && s.Published + s.Dropped >= simulator.TicksSent,
            Timeout, "every emitted tick published", () => $"sent {simulator.TicksSent}, {publisher.GetStatus()}");
        var elapsed = clock.Elapsed;
        var status = publisher.GetStatus();
        output.WriteLine($"{simulator.TicksSent} ticks, {instruments} instruments, feed → grains → Kafka acknowledged in {elapsed.TotalSeconds:0.0} s; {status}");

        var received = await TopicReader.ReadAsync(kafka, (int)simulator.TicksSent, Timeout);
        AssertMatchesLedger(simulator, received);

        // The grains saw what the topic got.
        var sample = simulator.Ledger.Snapshot().First(p => p.Value.Count > 0);
        var instrument = sample.Key["ticker.".Length..^".100ms".Length];
        var snapshot = await cluster.Client.GetGrain<IInstrumentGrain>(instrument).GetSnapshotAsync();
        Assert.Equal(sample.Value.Count, snapshot.TicksSeen);
        Assert.Equal(sample.Value[^1], snapshot.LastTickTimestamp);

        return new RunResult(status, await registry.CountAsync());
    }

    /// <summary>Per instrument, the topic holds exactly the timestamps the simulator sent, in the order sent.</summary>
    private static void AssertMatchesLedger(DeribitSimulatorServer simulator, List<ConsumeResult<string, byte[]>> received)
    {
        Assert.Equal(simulator.TicksSent, received.Count);
        var onTopic = received.GroupBy(r => r.Message.Key).ToDictionary(g => g.Key, g => g.Select(r => TopicReader.ExchangeTimestamp(r.Message.Value)).ToArray());
        foreach (var (channel, sent) in simulator.Ledger.Snapshot())
        {
            if (sent.Count == 0)
            {
                continue;
            }

            var instrument = channel["ticker.".Length..^".100ms".Length];
            Assert.True(onTopic.TryGetValue(instrument, out var actual), $"nothing on the topic for {instrument}, which was sent {sent.Count} ticks");
            Assert.True(sent.SequenceEqual(actual), $"{instrument}: sent {sent.Count} ticks, topic has {actual.Length}; sequences differ");
        }

        Assert.Equal(simulator.Ledger.Snapshot().Count(p => p.Value.Count > 0), onTopic.Count);
    }

    private sealed record RunResult(PublisherStatus Publisher, int Registered);
}
