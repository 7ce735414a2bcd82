using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Grains.Abstractions.Ticks;
using Laevitas.Grains.Instruments;
using Laevitas.Grains.Publishing;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.TestingHost;

namespace Laevitas.Tests.Grains.Instruments;

/// <summary>
/// The instrument grain's accept rule with redundant feeds (DESIGN invariant 8): each tick published once whatever
/// number of feeds deliver it, the newest ticker kept as state, copies counted, and across reactivation from
/// PostgreSQL no tick published twice after a clean deactivation and none dropped that a crash kept off Kafka.
/// </summary>
[Collection(GrainsCollection.Name)]
public sealed class InstrumentGrainAcceptRuleTests(PostgresFixture postgres, KafkaFixture kafka)
    : InstrumentGrainClusterTests(postgres, kafka, "grains_accept_rule")
{
    private readonly RecordingTickPublisher publisher = new();

    [Fact]
    public async Task TwoFeedsCopiesArePublishedOnceAndCounted()
    {
        await using var cluster = await StartAsync(nameof(TwoFeedsCopiesArePublishedOnceAndCounted));
        var grain = cluster.Client.GetGrain<IInstrumentGrain>(Instrument);

        await grain.ReceiveTicksAsync(Ticks(1, 2, 3, 4, 5));      // feed A
        await grain.ReceiveTicksAsync(Ticks(1, 2, 3, 4, 5));      // feed B, same ticks
        await grain.ReceiveTicksAsync(Ticks(6, 7, 8));            // feed A
        await grain.ReceiveTicksAsync(Ticks(4, 5, 6, 7, 8, 9));   // feed B, a little behind, then ahead

        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 9], PublishedOffsets());
        var snapshot = await grain.GetSnapshotAsync();
        Assert.Equal(9, snapshot.TicksSeen);
        Assert.Equal(5 + 5, snapshot.DuplicatesDropped);
        Assert.Equal(T0 + 9, snapshot.LastTickTimestamp);
        Assert.Equal(TestTicks.Create(Instrument, T0 + 9, 9).Payload, snapshot.LastTickPayload);
        Assert.Equal(10, Status(cluster).DuplicatesDropped);
    }

    [Fact]
    public async Task StateIsTheNewestTickerNotTheLastReceived()
    {
        await using var cluster = await StartAsync(nameof(StateIsTheNewestTickerNotTheLastReceived));
        var grain = cluster.Client.GetGrain<IInstrumentGrain>(Instrument);

        await grain.ReceiveTicksAsync(Ticks(100));
        await grain.ReceiveTicksAsync(Ticks(40)); // older, never seen: published late, but the state stays the newest

        var snapshot = await grain.GetSnapshotAsync();
        Assert.Equal(T0 + 100, snapshot.LastTickTimestamp);
        Assert.Equal(TestTicks.Create(Instrument, T0 + 100, 100).Payload, snapshot.LastTickPayload);
        Assert.Equal([100, 40], PublishedOffsets());
        Assert.Equal(0, snapshot.DuplicatesDropped);
        Assert.Equal(1, Status(cluster).LateAccepted);
    }

    [Fact]
    public async Task ARetriedBacklogThatArrivesAfterNewerTicksIsPublishedNotDropped()
    {
        // A silo died: the surviving feed's calls to this grain failed until membership declared it dead, and its
        // dispatcher kept ticks 10-14 to send again; a feed started elsewhere reached the new activation first.
        await using var cluster = await StartAsync(nameof(ARetriedBacklogThatArrivesAfterNewerTicksIsPublishedNotDropped));
        var grain = cluster.Client.GetGrain<IInstrumentGrain>(Instrument);
        await grain.ReceiveTicksAsync(Ticks(1, 2, 3));

        await grain.ReceiveTicksAsync(Ticks(15, 16));                  // the new feed's first ticks
        await grain.ReceiveTicksAsync(Ticks(10, 11, 12, 13, 14, 15)); // the retried backlog, then its copy of 15
        await grain.ReceiveTicksAsync(Ticks(16, 17));

        Assert.Equal([1, 2, 3, 15, 16, 10, 11, 12, 13, 14, 17], PublishedOffsets());
        var snapshot = await grain.GetSnapshotAsync();
        Assert.Equal(T0 + 17, snapshot.LastTickTimestamp);
        Assert.Equal(2, snapshot.DuplicatesDropped);
        Assert.Equal(5, Status(cluster).LateAccepted);
    }

    [Fact]
    public async Task ATickOlderThanTheHorizonIsNotPublishedAndIsCountedApart()
    {
        await using var cluster = await StartAsync(nameof(ATickOlderThanTheHorizonIsNotPublishedAndIsCountedApart));
        var grain = cluster.Client.GetGrain<IInstrumentGrain>(Instrument);
        const long horizonMs = 60_000; // the default Instruments:AcceptHorizon

        await grain.ReceiveTicksAsync(Ticks(1, 2));
        await grain.ReceiveTicksAsync(Ticks(2 + horizonMs + 1)); // 1 and 2 leave the window: the floor is now 2
        await grain.ReceiveTicksAsync(Ticks(2, 1, 3));           // 3 is above the floor and new: late, not too old

        Assert.Equal([1, 2, 2 + horizonMs + 1, 3], PublishedOffsets());
        var snapshot = await grain.GetSnapshotAsync();
        Assert.Equal(0, snapshot.DuplicatesDropped);
        Assert.Equal(2, Status(cluster).TooOld);
    }

    [Fact]
    public async Task ATickTheFasterFeedMissedIsPublishedLateWhenTheSlowerOneBringsIt()
    {
        await using var cluster = await StartAsync(nameof(ATickTheFasterFeedMissedIsPublishedLateWhenTheSlowerOneBringsIt));
        var grain = cluster.Client.GetGrain<IInstrumentGrain>(Instrument);

        await grain.ReceiveTicksAsync(Ticks(1, 2, 4, 5));   // feed A lost tick 3 (it was reconnecting)
        await grain.ReceiveTicksAsync(Ticks(2, 3, 4, 5, 6)); // feed B had it

        Assert.Equal([1, 2, 4, 5, 3, 6], PublishedOffsets());
        var snapshot = await grain.GetSnapshotAsync();
        Assert.Equal(T0 + 6, snapshot.LastTickTimestamp);
        Assert.Equal(3, snapshot.DuplicatesDropped);
        Assert.Equal(1, Status(cluster).LateAccepted);
    }

    [Fact]
    public async Task ATickWithAnAbsurdTimestampIsPassedOnAndNeitherBecomesTheStateNorMovesTheWindow()
    {
        await using var cluster = await StartAsync(nameof(ATickWithAnAbsurdTimestampIsPassedOnAndNeitherBecomesTheStateNorMovesTheWindow));
        var grain = cluster.Client.GetGrain<IInstrumentGrain>(Instrument);
        const long year2100 = 4_102_444_800_000;

        await grain.ReceiveTicksAsync(Ticks(1, 2));
        var absurd = TestTicks.Create(Instrument, year2100, 99, receivedAtMs: T0 + 3);
        await grain.ReceiveTicksAsync(new TickBatch([absurd]));  // feed A
        await grain.ReceiveTicksAsync(new TickBatch([absurd]));  // feed B: not deduplicated, the writer judges it
        await grain.ReceiveTicksAsync(Ticks(2, 3));

        Assert.Equal([1, 2, year2100 - T0, year2100 - T0, 3], PublishedOffsets());
        var snapshot = await grain.GetSnapshotAsync();
        Assert.Equal(T0 + 3, snapshot.LastTickTimestamp);
        Assert.Equal(1, snapshot.DuplicatesDropped);
        Assert.Equal(0, Status(cluster).TooOld);
        Assert.Equal(0, Status(cluster).LateAccepted);
    }

    [Fact]
    public async Task AfterACleanDeactivationTheReactivatedGrainPublishesNothingTwice()
    {
        await using var cluster = await StartAsync(nameof(AfterACleanDeactivationTheReactivatedGrainPublishesNothingTwice));
        var grain = cluster.Client.GetGrain<IInstrumentGrain>(Instrument);
        await grain.ReceiveTicksAsync(Ticks(1, 2, 3));

        await cluster.DeactivateAsync(grain);
        // Read back from the PostgreSQL row by the reactivated grain.
        Assert.Equal(T0 + 3, (await grain.GetSnapshotAsync()).PublishedThroughTimestamp);

        // The other feed's copies, and the next tick, reach the reactivated grain.
        await grain.ReceiveTicksAsync(Ticks(2, 3, 4));

        Assert.Equal([1, 2, 3, 4], PublishedOffsets());
        var snapshot = await grain.GetSnapshotAsync();
        Assert.Equal(4, snapshot.TicksSeen);
        Assert.Equal(2, snapshot.DuplicatesDropped);
        Assert.Equal(T0 + 4, snapshot.LastTickTimestamp);
    }

    [Fact]
    public async Task ATickWhosePublishHadNotCompletedIsAcceptedAgainAfterACrash()
    {
        var serviceId = "accept-" + Guid.NewGuid().ToString("N")[..8];
        await using (var first = await StartAsync(nameof(ATickWhosePublishHadNotCompletedIsAcceptedAgainAfterACrash), serviceId))
        {
            var grain = first.Client.GetGrain<IInstrumentGrain>(Instrument);
            await grain.ReceiveTicksAsync(Ticks(1, 2, 3));
            publisher.Hold(); // ticks 4 and 5 stay in the "producer's memory": never acknowledged
            await grain.ReceiveTicksAsync(Local(first, Ticks(4, 5)));

            var snapshot = await grain.GetSnapshotAsync();
            Assert.Equal(T0 + 5, snapshot.LastTickTimestamp);
            Assert.Equal(T0 + 3, snapshot.PublishedThroughTimestamp);
            // What a crash leaves behind: the row as last written, with the watermark through tick 3 only (the
            // deactivation of this shutdown does not wait: DeliveryWait is zero, as if the process were gone).
        }

        Assert.Equal([1, 2, 3, 4, 5], PublishedOffsets());
        publisher.Release();
        await using var second = await StartAsync(nameof(ATickWhosePublishHadNotCompletedIsAcceptedAgainAfterACrash), serviceId);
        var reactivated = second.Client.GetGrain<IInstrumentGrain>(Instrument);

        // The surviving feed delivers 3, 4, 5 again (its dispatcher retried), then 6.
        await reactivated.ReceiveTicksAsync(Ticks(3, 4, 5, 6));

        // 4 and 5 are published again (they may never have reached Kafka); 3 is not. The writer's unique key stores
        // 4 and 5 once if the first copies did make it.
        Assert.Equal([1, 2, 3, 4, 5, 4, 5, 6], PublishedOffsets());
        var after = await reactivated.GetSnapshotAsync();
        Assert.Equal(T0 + 6, after.LastTickTimestamp);
        Assert.Equal(T0 + 6, after.PublishedThroughTimestamp);
        Assert.Equal(1, after.DuplicatesDropped);
    }

    [Fact]
    public async Task ACopyFromADispatcherElsewhereIsAnsweredOnlyOnceTheFirstCopyIsDurable()
    {
        await using var cluster = await StartAsync(nameof(ACopyFromADispatcherElsewhereIsAnsweredOnlyOnceTheFirstCopyIsDurable), deliveryWait: "00:00:10");
        var grain = cluster.Client.GetGrain<IInstrumentGrain>(Instrument);
        await grain.GetSnapshotAsync();
        publisher.Hold();
        // The feed on the grain's own silo brings ticks 1 and 2 first: answered at once, still in the "producer".
        await grain.ReceiveTicksAsync(Local(cluster, Ticks(1, 2))).WaitAsync(TimeSpan.FromSeconds(5));

        // The other feed's copies: nothing to publish, but if this silo died now the first copies would die with it,
        // so the other feed's dispatcher must not be told "done" before they are durable.
        var copy = grain.ReceiveTicksAsync(Ticks(1, 2));
        Assert.NotSame(copy, await Task.WhenAny(copy, Task.Delay(TimeSpan.FromSeconds(1))));
        publisher.Release();
        // Well inside the 10 s DeliveryWait: answered by the release, not by the wait running out.
        await copy.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal([1, 2], PublishedOffsets());
        Assert.Equal(2, (await grain.GetSnapshotAsync()).DuplicatesDropped);
    }

    private long[] PublishedOffsets() => publisher.Published.Select(t => t.Timestamp - T0).ToArray();

    private static InstrumentAcceptStatus Status(InProcessTestCluster cluster) =>
        cluster.Silos[0].ServiceProvider.GetRequiredService<InstrumentAcceptStatus>();

    // Sent by a dispatcher on the grain's own silo: the grain answers without waiting for the (held) publish.
    private static TickBatch Local(InProcessTestCluster cluster, TickBatch batch) => new(batch.Ticks, cluster.Silos[0].SiloAddress);

    private Task<InProcessTestCluster> StartAsync(string topicName, string? serviceId = null, string deliveryWait = "00:00:00") =>
        StartClusterAsync(
            topicName, serviceId ?? "accept-" + Guid.NewGuid().ToString("N")[..8],
            new Dictionary<string, string?> { ["Instruments:DeliveryWait"] = deliveryWait },
            services => services.Replace(ServiceDescriptor.Singleton<ITickPublisher>(publisher)));
}
