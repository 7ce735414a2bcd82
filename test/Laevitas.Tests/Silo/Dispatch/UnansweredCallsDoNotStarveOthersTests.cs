using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Grains.Publishing;
using Laevitas.Testing;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.Silo.Dispatch;

/// <summary>
/// A grain call that is never answered — its silo frozen (SIGSTOP, a stalled VM) and not yet declared dead — gives its
/// call slot to other instruments after <c>Dispatch:SlowCallAfter</c>, instead of holding it for Orleans' 30 s response
/// timeout: the chaos case zombie-feed-silo lost ticks when those calls held every slot and the feed stalled.
/// </summary>
[Collection(GrainsCollection.Name)]
public sealed class UnansweredCallsDoNotStarveOthersTests(PostgresFixture postgres, KafkaFixture kafka)
{
    private const long T0 = 1_700_000_000_000;
    private const string Frozen = "BTC-PERPETUAL";

    [Fact]
    public async Task TicksOfHealthyInstrumentsKeepFlowingWhileAnotherInstrumentsCallIsNeverAnswered()
    {
        var publisher = new RecordingTickPublisher();
        var frozen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = 0;
        await using var cluster = await DispatchTestCluster.StartAsync(
            postgres, kafka, "unanswered", publisher,
            new Dictionary<string, string?>
            {
                // One call at a time: a call that kept its slot until answered would hold every other instrument back.
                ["Dispatch:MaxConcurrentCalls"] = "1",
                ["Dispatch:SlowCallAfter"] = "00:00:01",
                ["Dispatch:BatchWindow"] = "00:00:00",
            },
            silo =>
            {
                // The frozen silo: its grain takes the call and never answers (until the test lets it go).
                silo.AddIncomingGrainCallFilter(async context =>
                {
                    if (context.Grain is IInstrumentGrain grain && grain.GetPrimaryKeyString() == Frozen
                        && context.InterfaceMethod?.Name == nameof(IInstrumentGrain.ReceiveTicksAsync))
                    {
                        Interlocked.Increment(ref held);
                        await frozen.Task;
                    }

                    await context.Invoke();
                });
            });
        var sink = DispatchTestCluster.Sink(cluster);
        try
        {
            sink.OnTick(TestTicks.Create(Frozen, T0, 1));
            await Eventually.TrueAsync(() => Volatile.Read(ref held) == 1, TimeSpan.FromSeconds(30), "the frozen instrument's call to be taken and held");
            for (var i = 0; i < 5; i++)
            {
                sink.OnTick(TestTicks.Create("ETH-PERPETUAL", T0 + i, i));
            }

            // Well inside Orleans' 30 s response timeout: only possible if the unanswered call gave its slot back.
            await Eventually.TrueAsync(() => publisher.Published.Count(t => t.InstrumentName == "ETH-PERPETUAL") == 5, TimeSpan.FromSeconds(15),
                "the healthy instrument's ticks to be published while the other call hangs", () => $"{sink.GetStatus()}");
            // The frozen call was given up on; the healthy instrument's may have been slow too (its grain activates and
            // reads its state from PostgreSQL, past 1 s on a loaded machine), so at least one, not exactly one.
            Assert.True(sink.GetStatus().SlowCalls >= 1, $"{sink.GetStatus()}");

            // The frozen instrument still has one call in flight, not two: a new tick waits behind it, in order.
            sink.OnTick(TestTicks.Create(Frozen, T0 + 1, 2));
            Assert.Equal(1, Volatile.Read(ref held));
            Assert.DoesNotContain(publisher.Published, t => t.InstrumentName == Frozen);
        }
        finally
        {
            frozen.TrySetResult();
        }

        await Eventually.TrueAsync(() => publisher.Published.Count(t => t.InstrumentName == Frozen) == 2, TimeSpan.FromSeconds(15),
            "the frozen instrument's ticks once it answers");
        Assert.Equal([T0, T0 + 1], publisher.Published.Where(t => t.InstrumentName == Frozen).Select(t => t.Timestamp));
    }
}
