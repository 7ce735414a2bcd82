using Laevitas.Grains.Abstractions.Ticks;
using Laevitas.Grains.Publishing;
using Laevitas.Testing;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.Silo.Dispatch;

/// <summary>
/// When some instruments' grain calls fail (their silo died and is not yet declared dead), the dispatcher retries them
/// without starving the rest of the market: a failing instrument does not hold a call slot through its retry delay.
/// </summary>
[Collection(GrainsCollection.Name)]
public sealed class FailingGrainsDoNotStarveOthersTests(PostgresFixture postgres, KafkaFixture kafka)
{
    private const long T0 = 1_700_000_000_000;

    [Fact]
    public async Task TicksOfHealthyInstrumentsKeepFlowingWhileAnotherInstrumentsCallsFail()
    {
        var publisher = new FailingForPublisher("BTC-PERPETUAL");
        await using var cluster = await DispatchTestCluster.StartAsync(
            postgres, kafka, "starvation", publisher,
            new Dictionary<string, string?>
            {
                // One call at a time and a long retry delay: a failing call that kept its slot through the delay
                // would hold every other instrument back for the whole of it.
                ["Dispatch:MaxConcurrentCalls"] = "1",
                ["Dispatch:RetryDelay"] = "00:00:30",
                ["Dispatch:BatchWindow"] = "00:00:00",
            });
        var sink = DispatchTestCluster.Sink(cluster);

        sink.OnTick(TestTicks.Create("BTC-PERPETUAL", T0, 1));
        await Eventually.TrueAsync(() => publisher.Failures > 0, TimeSpan.FromSeconds(30), "the failing instrument's first call to fail");
        for (var i = 0; i < 5; i++)
        {
            sink.OnTick(TestTicks.Create("ETH-PERPETUAL", T0 + i, i));
        }

        // Well inside the 30 s retry delay: only possible if the failing call gave its slot back.
        await Eventually.TrueAsync(() => publisher.Published.Count(t => t.InstrumentName == "ETH-PERPETUAL") == 5, TimeSpan.FromSeconds(15),
            "the healthy instrument's ticks to be published while the other waits for its retry");
        Assert.DoesNotContain(publisher.Published, t => t.InstrumentName == "BTC-PERPETUAL");
        Assert.Equal(1, sink.GetStatus().Pending); // the failing tick is kept for its retry, not dropped
    }

    /// <summary>Publishes like <see cref="RecordingTickPublisher"/>, but throws for one instrument (its grain call fails).</summary>
    private sealed class FailingForPublisher(string failing) : ITickPublisher
    {
        private readonly RecordingTickPublisher inner = new();
        private int failures;

        public int Failures => Volatile.Read(ref failures);

        public IReadOnlyList<RawTick> Published => inner.Published;

        public void Publish(RawTick tick) => inner.Publish(tick);

        public Task PublishAsync(IReadOnlyList<RawTick> ticks)
        {
            if (ticks.Any(t => t.InstrumentName == failing))
            {
                Interlocked.Increment(ref failures);
                throw new InvalidOperationException($"{failing}: its silo is gone");
            }

            return inner.PublishAsync(ticks);
        }

        public PublisherStatus GetStatus() => inner.GetStatus();
    }
}
