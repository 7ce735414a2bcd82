using System.Text;
using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Grains.Abstractions.Ticks;
using Laevitas.Grains.Publishing;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Laevitas.Tests.Grains.Instruments;

/// <summary>
/// When an instrument grain answers the dispatcher: once the broker acknowledged the ticks or the publisher has them
/// fsynced in its spool when the dispatcher is on another silo (so a killed grain silo makes it send them again), at
/// once when it is on the grain's own silo (the dispatcher dies with it, waiting would protect nothing).
/// </summary>
[Collection(GrainsCollection.Name)]
public sealed class InstrumentGrainDeliveryWaitTests(PostgresFixture postgres) : IAsyncLifetime
{
    // Longer than any wait below, so an answer inside them came from the broker's acknowledgement or from not
    // waiting at all, never from the wait running out (the longest the options allow).
    private static readonly TimeSpan DeliveryWait = TimeSpan.FromSeconds(10);
    private const string Instrument = "BTC-PERPETUAL";

    private readonly PrivateBrokerAndSpool own = new("wait");
    private string connectionString = "";

    public async Task InitializeAsync() => connectionString = await postgres.CreateDatabaseAsync("grains_delivery_wait");

    public Task DisposeAsync()
    {
        own.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task ADispatcherElsewhereIsAnsweredOnceTheBrokerHasTheTicks()
    {
        var (cluster, kafka) = await StartAsync(nameof(ADispatcherElsewhereIsAnsweredOnceTheBrokerHasTheTicks));
        await using var _ = cluster;
        var grain = cluster.Client.GetGrain<IInstrumentGrain>(Instrument);
        await grain.GetSnapshotAsync(); // activated, so the wait below is not the activation

        // The producer's first request connects and fetches metadata (several round trips): done before the broker slows.
        await grain.ReceiveTicksAsync(TestTicks.Batch(Instrument, 1_699_999_999_000, 1)).WaitAsync(TimeSpan.FromSeconds(7));

        // A broker that answers slowly: the call waits for the acknowledgement, which cannot come sooner than the
        // round trip (kept well below the publisher's 1 s of silence, after which the ticks would go to the spool).
        var roundTrip = TimeSpan.FromMilliseconds(250);
        own.Kafka.SetAllBrokersRtt(roundTrip);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // Answered before DeliveryWait ran out, so by the acknowledgement; nothing went through the spool.
        await grain.ReceiveTicksAsync(TestTicks.Batch(Instrument, 1_700_000_000_000, 3)).WaitAsync(TimeSpan.FromSeconds(7));
        Assert.True(clock.Elapsed >= roundTrip, $"answered after {clock.Elapsed.TotalMilliseconds:0} ms, before the broker could acknowledge");
        var status = Publisher(cluster).GetStatus();
        Assert.True(status.Spooled == 0, $"{clock.Elapsed.TotalMilliseconds:0} ms: {status}");
        var onTopic = await TopicReader.ReadAsync(kafka, expected: 4, TimeSpan.FromSeconds(30));
        Assert.Equal(4, onTopic.Count);
    }

    [Fact]
    public async Task ADispatcherElsewhereIsAnsweredOnceTheTicksAreOnDiskWhenTheBrokerIsSilent()
    {
        var (cluster, kafka) = await StartAsync(nameof(ADispatcherElsewhereIsAnsweredOnceTheTicksAreOnDiskWhenTheBrokerIsSilent));
        await using var _ = cluster;
        var grain = cluster.Client.GetGrain<IInstrumentGrain>(Instrument);
        await grain.GetSnapshotAsync();

        // No tick follows this batch: the publisher itself notices the silence and moves the ticks into its spool.
        own.Kafka.SetAllBrokersDown();
        var call = grain.ReceiveTicksAsync(TestTicks.Batch(Instrument, 1_700_000_000_000, 3));
        Assert.NotSame(call, await Task.WhenAny(call, Task.Delay(TimeSpan.FromMilliseconds(500))));
        // Answered with the broker still down and before DeliveryWait ran out: the ticks were on disk first.
        await call.WaitAsync(TimeSpan.FromSeconds(7));
        var status = Publisher(cluster).GetStatus();
        Assert.True(status.Spooled >= 3, status.ToString());

        own.Kafka.SetAllBrokersUp();
        var onTopic = await TopicReader.ReadAsync(kafka, expected: 3, TimeSpan.FromSeconds(30));
        Assert.Equal(3, onTopic.Count);
    }

    private static KafkaTickPublisher Publisher(InProcessTestCluster cluster) =>
        cluster.Silos[0].ServiceProvider.GetRequiredService<KafkaTickPublisher>();

    [Fact]
    public async Task ADispatcherOnTheGrainsSiloIsAnsweredWithoutWaitingAndTheTicksStillArrive()
    {
        var (cluster, kafka) = await StartAsync(nameof(ADispatcherOnTheGrainsSiloIsAnsweredWithoutWaitingAndTheTicksStillArrive));
        await using var _ = cluster;
        var grain = cluster.Client.GetGrain<IInstrumentGrain>(Instrument);
        await grain.GetSnapshotAsync();
        var local = new TickBatch(TestTicks.Batch(Instrument, 1_700_000_000_000, 3).Ticks, cluster.Silos[0].SiloAddress);

        own.Kafka.SetAllBrokersDown();
        await grain.ReceiveTicksAsync(local).WaitAsync(TimeSpan.FromSeconds(5));

        var snapshot = await grain.GetSnapshotAsync();
        Assert.Equal(3, snapshot.TicksSeen);
        own.Kafka.SetAllBrokersUp();
        var onTopic = await TopicReader.ReadAsync(kafka, expected: 3, TimeSpan.FromSeconds(30));
        Assert.Equal(
            local.Ticks.Select(t => Encoding.UTF8.GetString(t.Payload)),
            onTopic.Select(r => Encoding.UTF8.GetString(r.Message.Value)));
    }

    private async Task<(InProcessTestCluster Cluster, Laevitas.Streaming.Kafka.KafkaOptions Kafka)> StartAsync(string name)
    {
        var kafka = await own.TopicAsync(name, 1);
        var cluster = await GrainTestCluster.StartAsync(
            connectionString, kafka, own.SpoolDirectory, "wait-" + Guid.NewGuid().ToString("N")[..8],
            new Dictionary<string, string?> { ["Instruments:DeliveryWait"] = DeliveryWait.ToString() });
        return (cluster, kafka);
    }
}
