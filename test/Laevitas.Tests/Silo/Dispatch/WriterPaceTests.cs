using Laevitas.Silo.Dispatch;
using Laevitas.Streaming.Kafka;
using Laevitas.Streaming.Kafka.Providers;
using Microsoft.Extensions.DependencyInjection;

namespace Laevitas.Tests.Silo.Dispatch;

/// <summary>
/// <see cref="WriterPace"/> driven like the dispatcher's pump drives it: a round every 5 ms asks for an allowance and
/// sends what it may of what the exchange offered; what it sends joins the backlog of a scripted writer, which stores
/// at a given rate.
/// </summary>
public sealed class WriterPaceTests
{
    private static readonly TimeSpan Round = TimeSpan.FromMilliseconds(5);
    private static readonly DispatchOptions Options = new() { PaceBacklog = 100_000 };

    private readonly SteppedClock clock = new();
    private readonly ScriptedWriter writer = new();

    [Fact]
    public void ALoadTheWritersKeepUpWithIsNeverPaced()
    {
        var pace = new WriterPace(writer, Options, clock);
        writer.Set(backlog: 50_000, storedPerSecond: 40_000);

        var sent = Run(pace, TimeSpan.FromSeconds(10), demandPerSecond: 35_000);

        Assert.Null(pace.Pace);
        Assert.Equal(350_000, sent);
        Assert.Equal(TimeSpan.Zero, pace.Held);
    }

    [Fact]
    public void UnderOverloadThePaceIsUnderTheWritersRateAndTheBacklogShrinksBackToTheBound()
    {
        var pace = new WriterPace(writer, Options, clock);
        writer.Set(backlog: 50_000, storedPerSecond: 40_000);
        Run(pace, TimeSpan.FromSeconds(2), demandPerSecond: 200_000);
        Assert.NotNull(pace.Pace);
        var backlog = writer.Backlog;

        // The backlog grew far past the bound before the pace started: the pace starts at half the writers' rate.
        var sent = Run(pace, TimeSpan.FromSeconds(5), demandPerSecond: 200_000);
        Assert.InRange(sent, 5 * 20_000 - 1_000, 5 * 38_000 + 4_800);
        Assert.True(writer.Backlog < backlog, $"backlog {writer.Backlog:N0}, {backlog:N0} five seconds before");

        // Back near the bound, a little (5 %) under their rate: five seconds at it, give or take one call's
        // overdraft and a tenth of a second of savings.
        Run(pace, TimeSpan.FromSeconds(20), demandPerSecond: 200_000);
        sent = Run(pace, TimeSpan.FromSeconds(5), demandPerSecond: 200_000);
        Assert.Equal(40_000 * 0.95, pace.Pace!.Value, precision: 0);
        Assert.InRange(sent, 5 * 38_000 - 1_000, 5 * 38_000 + 4_800);
        Assert.InRange(writer.Backlog, 50_000, 100_000);
    }

    [Fact]
    public void WritersThatStoreNothingAreNeverPacedKafkaHoldsTheBacklog()
    {
        // PostgreSQL down: the backlog grows past the bound, but holding the feed back would lose what Kafka keeps.
        var pace = new WriterPace(writer, Options, clock);
        writer.Set(backlog: 50_000, storedPerSecond: 0, failing: true);

        var sent = Run(pace, TimeSpan.FromSeconds(10), demandPerSecond: 100_000);

        Assert.Null(pace.Pace);
        Assert.Equal(1_000_000, sent);
    }

    [Fact]
    public void PacedWritersThatStopStoringReleaseThePaceWithinEightSeconds()
    {
        // PostgreSQL stops answering (no write fails, none ends): until eight seconds have passed without a row
        // stored, the pace is what they stored over those seconds, falling; then Kafka holds the backlog.
        var pace = PacedUnderOverload();

        writer.Set(writer.Backlog, storedPerSecond: 0);
        Run(pace, TimeSpan.FromSeconds(4), demandPerSecond: 100_000);
        Assert.InRange(pace.Pace ?? 0, 1, 40_000 * 0.95 / 2);
        Run(pace, TimeSpan.FromSeconds(4), demandPerSecond: 100_000);
        var sent = Run(pace, TimeSpan.FromSeconds(2), demandPerSecond: 100_000);

        Assert.Null(pace.Pace);
        Assert.Equal(200_000, sent);
    }

    [Fact]
    public void WritersStarvedAtAnOverloadsStartArePacedOnceTheBacklogGrewPastTheBoundForASecond()
    {
        // They kept up; then the exchange sends 60,000/s, the feed takes their cores and their batches land seconds
        // apart (2,000 rows every four seconds). The pace starts a second after the backlog passed the bound, not
        // when a batch happens to land (in the bench that wait let the backlog reach 684,492 and the broker delete).
        var pace = new WriterPace(writer, Options, clock);
        writer.Set(backlog: 0, storedPerSecond: 40_000);
        Run(pace, TimeSpan.FromSeconds(9), demandPerSecond: 35_000);
        Assert.Null(pace.Pace);

        writer.Set(writer.Backlog, storedPerSecond: 500, burstEvery: 16);
        RunUntilPaced(pace, demandPerSecond: 60_000);
        // The bound, a second of growth, and a sample's delay.
        Assert.InRange(writer.Backlog, 100_000, 100_000 + 1.25 * 60_000);
        // Their rate is what they stored over the last eight seconds: far under the load, so the feed all but stops.
        Assert.InRange(pace.Pace!.Value, 1, 40_000);
    }

    [Fact]
    public void AFailedWriteReleasesThePaceAtOnce()
    {
        var pace = PacedUnderOverload();

        // PostgreSQL goes away: the first failed write ends the pace, whatever was stored in the window.
        writer.Set(writer.Backlog, storedPerSecond: 0, failing: true);
        Run(pace, TimeSpan.FromMilliseconds(300), demandPerSecond: 100_000);

        Assert.Null(pace.Pace);
    }

    [Fact]
    public void StarvedWritersThatStoreInBurstsArePacedToo()
    {
        // Under overload the writers' batches land a second apart at times: most samples see nothing stored.
        var pace = new WriterPace(writer, Options, clock);
        writer.Set(backlog: 50_000, storedPerSecond: 20_000, burstEvery: 4);

        Run(pace, TimeSpan.FromSeconds(5), demandPerSecond: 150_000);

        Assert.InRange(pace.Pace ?? 0, 0.5 * 20_000 * 0.9, 0.95 * 20_000 * 1.1);
    }

    [Fact]
    public void WritersStarvedFromAnOverloadsFirstSecondHoldTheFeedUntilTheyStore()
    {
        // Idle (nothing behind), then 100,000/s and the writers store nothing at all (in the bench they stored
        // nothing for the first two to four seconds of an overload): the pace starts once the backlog is past the
        // bound (at once: growing this fast, another second would double it) and holds the feed until they store,
        // then follows their rate.
        var pace = new WriterPace(writer, Options, clock);
        writer.Set(backlog: 0, storedPerSecond: 40_000);
        Run(pace, TimeSpan.FromSeconds(20), demandPerSecond: 0);

        writer.Set(backlog: 0, storedPerSecond: 0);
        RunUntilPaced(pace, demandPerSecond: 100_000);
        // The bound and up to two samples' growth.
        Assert.InRange(writer.Backlog, 100_000, 100_000 + 0.5 * 100_000);
        Assert.Equal(1, pace.Pace);
        var held = writer.Backlog;
        Run(pace, TimeSpan.FromSeconds(1), demandPerSecond: 100_000);
        Assert.Equal(held, writer.Backlog);

        writer.Set(writer.Backlog, storedPerSecond: 40_000);
        Run(pace, TimeSpan.FromSeconds(3), demandPerSecond: 100_000);
        Assert.InRange(pace.Pace ?? 0, 0.5 * 40_000 * 0.9, 0.95 * 40_000);
    }

    [Fact]
    public void ABacklogGrowingSteeplyIsPacedWithoutWaitingASecond()
    {
        // 300,000/s against writers storing 40,000: another second past the bound would take the backlog to three
        // times it, so the pace starts at the first sample past the bound.
        var pace = new WriterPace(writer, Options, clock);
        writer.Set(backlog: 0, storedPerSecond: 40_000);
        Run(pace, TimeSpan.FromSeconds(5), demandPerSecond: 30_000);

        RunUntilPaced(pace, demandPerSecond: 300_000);

        // The bound and up to two samples' growth (the sample that passed it may come just before the bound).
        Assert.InRange(writer.Backlog, 100_000, 100_000 + 0.5 * 260_000);
    }

    [Fact]
    public void CatchingUpAfterAnOutageNoLiveTickWaits()
    {
        // 600,000 behind after an outage, the writers storing 40,000/s, the exchange sending 30,000/s: the backlog
        // shrinks, so the pace never starts.
        var pace = new WriterPace(writer, Options, clock);
        writer.Set(backlog: 600_000, storedPerSecond: 40_000);

        var sent = Run(pace, TimeSpan.FromSeconds(10), demandPerSecond: 30_000);

        Assert.Null(pace.Pace);
        Assert.Equal(300_000, sent);
    }

    [Fact]
    public void WritersComingBackSlowlyAfterAnOutageAreNotPacedOnTheirFirstSeconds()
    {
        // Down for 5 s (every write fails), then three seconds of retries at 5,000/s while the backlog still grows
        // (long enough to start the pace, were it not for the failures just before), then full speed.
        var pace = new WriterPace(writer, Options, clock);
        writer.Set(backlog: 300_000, storedPerSecond: 0, failing: true);
        var sent = Run(pace, TimeSpan.FromSeconds(5), demandPerSecond: 30_000);
        writer.Set(writer.Backlog, storedPerSecond: 5_000);
        sent += Run(pace, TimeSpan.FromSeconds(3), demandPerSecond: 30_000);
        Assert.Null(pace.Pace);
        writer.Set(writer.Backlog, storedPerSecond: 60_000);
        sent += Run(pace, TimeSpan.FromSeconds(10), demandPerSecond: 30_000);

        Assert.Equal(TimeSpan.Zero, pace.Held);
        Assert.Equal(18 * 30_000, sent);
    }

    [Fact]
    public void ThePaceHoldsUntilTheBacklogIsHalfTheBoundAndSaysWhenItStartsAndEnds()
    {
        var changes = new List<bool>();
        var pace = PacedUnderOverload(changes);

        // The load falls below what the writers store: the backlog shrinks by 20,000/s, the pace holds down to half
        // the bound.
        var expected = (writer.Backlog - 50_000) / 20_000.0;
        var heldUntil = TimeSpan.Zero;
        for (var second = 1; second <= 60 && pace.Pace is not null; second++)
        {
            Run(pace, TimeSpan.FromSeconds(1), demandPerSecond: 20_000, changes);
            heldUntil = TimeSpan.FromSeconds(second);
        }

        Assert.Null(pace.Pace);
        // Released at half the bound; the rest of that second shrank it by up to 20,000 more.
        Assert.InRange(writer.Backlog, 25_000, 50_000);
        Assert.InRange(heldUntil.TotalSeconds, expected, expected + 1);
        Assert.Equal([true, false], changes);
    }

    [Fact]
    public void WithoutASampleOrWithTheBoundOffNothingIsPaced()
    {
        var off = new WriterPace(writer, new DispatchOptions { PaceBacklog = 0 }, clock);
        writer.Set(backlog: 500_000, storedPerSecond: 10_000);
        Assert.Equal(1_000_000, Run(off, TimeSpan.FromSeconds(10), demandPerSecond: 100_000));

        var blind = new WriterPace(new ScriptedWriter(), Options, clock);
        Assert.Equal(1_000_000, Run(blind, TimeSpan.FromSeconds(10), demandPerSecond: 100_000));
        Assert.Null(off.Pace);
        Assert.Null(blind.Pace);
    }

    [Fact]
    public void TheKafkaSampleScalesThePartitionsReadHereToTheTopic()
    {
        // This silo reads 2 of the topic's 8 partitions: their lag and progress stand for a quarter of the topic.
        using var metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var status = new KafkaStreamStatus(metrics.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        using var services = new ServiceCollection().AddSingleton(status).BuildServiceProvider();
        var progress = new KafkaWriterProgress(services, Microsoft.Extensions.Options.Options.Create(new KafkaOptions { Topic = "ticks", Partitions = 8 }));
        var p0 = status.Partition("ticks", 0);
        var p1 = status.Partition("ticks", 1);
        var elsewhere = status.Partition("trades", 0);
        foreach (var p in new[] { p0, p1, elsewhere })
        {
            p.Assigned(true);
            p.HighWatermark(10_000);
            p.Committed(1_000);
        }

        Assert.Equal(new WriterProgressSample(4 * 18_000, 0), progress.Sample());

        p0.Committed(3_000);
        p1.Committed(2_000);
        elsewhere.Committed(9_000);
        Assert.Equal(new WriterProgressSample(4 * 15_000, 4 * 3_000), progress.Sample());

        p0.Assigned(false);
        p1.Assigned(false);
        Assert.Null(progress.Sample());
    }

    /// <summary>Writers storing 40,000/s, offered 200,000/s for four seconds: the pace holds.</summary>
    private WriterPace PacedUnderOverload(List<bool>? changes = null)
    {
        var pace = new WriterPace(writer, Options, clock);
        writer.Set(backlog: 50_000, storedPerSecond: 40_000);
        Run(pace, TimeSpan.FromSeconds(4), demandPerSecond: 200_000, changes);
        Assert.NotNull(pace.Pace);
        return pace;
    }

    /// <summary>Runs a sample interval at a time until the pace holds (ten seconds at most).</summary>
    private void RunUntilPaced(WriterPace pace, int demandPerSecond)
    {
        for (var waited = TimeSpan.Zero; pace.Pace is null && waited < TimeSpan.FromSeconds(10); waited += WriterPace.SampleInterval)
        {
            Run(pace, WriterPace.SampleInterval, demandPerSecond);
        }

        Assert.NotNull(pace.Pace);
    }

    private long Run(WriterPace pace, TimeSpan duration, int demandPerSecond, List<bool>? changes = null)
    {
        long sent = 0;
        double waiting = 0;
        for (var elapsed = TimeSpan.Zero; elapsed < duration; elapsed += Round)
        {
            clock.Advance(Round);
            writer.Elapse(Round);
            waiting += demandPerSecond * Round.TotalSeconds;
            // The pump: calls of up to 1,000 ticks while the pace allows; what it sends is published.
            while (waiting >= 1)
            {
                var allowance = pace.Allowance(out var changed);
                if (changed is { } c)
                {
                    changes?.Add(c);
                }

                if (allowance <= 0)
                {
                    break;
                }

                var call = (int)Math.Min(1_000, waiting);
                pace.Spend(call);
                writer.Published(call);
                sent += call;
                waiting -= call;
            }

            // The dispatcher's watch samples even when nothing waits.
            if (waiting < 1)
            {
                pace.Allowance(out var changed);
                if (changed is { } c)
                {
                    changes?.Add(c);
                }
            }
        }

        return sent;
    }

    /// <summary>
    /// A writer with a backlog (published, not stored) that stores at a set rate while it has any, reports what it
    /// stored every sample or every few (bursts), and fails a write per sample while failing.
    /// </summary>
    private sealed class ScriptedWriter : IWriterProgress
    {
        private bool started;
        private double backlog;
        private double storedPerSecond;
        private double delivered;
        private bool failing;
        private long failures;
        private int burstEvery = 1;
        private int samples;

        public long Backlog => (long)backlog;

        public void Set(long backlog, double storedPerSecond, bool failing = false, int burstEvery = 1)
        {
            started = true;
            this.backlog = backlog;
            this.storedPerSecond = storedPerSecond;
            this.failing = failing;
            this.burstEvery = burstEvery;
        }

        public void Published(int ticks) => backlog += ticks;

        public void Elapse(TimeSpan by)
        {
            var stored = Math.Min(backlog, storedPerSecond * by.TotalSeconds);
            backlog -= stored;
            delivered += stored;
        }

        public WriterProgressSample? Sample()
        {
            if (!started)
            {
                return null;
            }

            if (failing)
            {
                failures++;
            }

            // A batch's offsets are stored when the whole batch is: what was stored shows only every few samples.
            var whole = ++samples % burstEvery == 0 ? (long)delivered : 0;
            delivered -= whole;
            return new WriterProgressSample((long)backlog, whole, failures);
        }
    }
}
