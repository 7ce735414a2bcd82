using System.Text;
using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Grains.Abstractions.Ticks;
using Laevitas.Tests.Infrastructure;
using Orleans.TestingHost;

namespace Laevitas.Tests.Grains;

/// <summary>
/// When an instrument grain answers the dispatcher: after the broker acknowledged the ticks when the dispatcher is on
/// another silo (so a killed grain silo makes it send them again), at once when it is on the grain's own silo (the
/// dispatcher dies with it, waiting would protect nothing).
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
    public async Task A_dispatcher_elsewhere_is_answered_once_the_broker_has_the_ticks()
    {
        var (cluster, kafka) = await StartAsync(nameof(A_dispatcher_elsewhere_is_answered_once_the_broker_has_the_ticks));
        await using var _ = cluster;
        var grain = cluster.Client.GetGrain<IInstrumentGrain>(Instrument);
        await grain.GetSnapshotAsync(); // activated, so the wait below is not the activation

        own.Kafka.SetAllBrokersDown();
        var call = grain.ReceiveTicksAsync(TestTicks.Batch(Instrument, 1_700_000_000_000, 3));

        Assert.NotSame(call, await Task.WhenAny(call, Task.Delay(TimeSpan.FromSeconds(2))));
        own.Kafka.SetAllBrokersUp();
        // 2 + 7 s: answered before DeliveryWait ran out, so by the acknowledgement.
        await call.WaitAsync(TimeSpan.FromSeconds(7));
        var onTopic = await TopicReader.ReadAsync(kafka, expected: 3, TimeSpan.FromSeconds(30));
        Assert.Equal(3, onTopic.Count);
    }

    [Fact]
    public async Task A_dispatcher_on_the_grains_silo_is_answered_without_waiting_and_the_ticks_still_arrive()
    {
        var (cluster, kafka) = await StartAsync(nameof(A_dispatcher_on_the_grains_silo_is_answered_without_waiting_and_the_ticks_still_arrive));
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
