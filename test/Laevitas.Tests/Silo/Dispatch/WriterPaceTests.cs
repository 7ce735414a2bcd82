using Laevitas.Silo.Dispatch;
using Laevitas.Streaming.Kafka;
using Laevitas.Streaming.Kafka.Providers;
using Microsoft.Extensions.DependencyInjection;

namespace Laevitas.Tests.Silo.Dispatch;

/// <summary>
/// <see cref="WriterPace"/> driven like the dispatcher's pump drives it: a round every 5 ms asks for an allowance and
/// spends what it sends, while a scripted writer stores at a given rate with a given backlog.
/// </summary>
public sealed class WriterPaceTests
{
    private static readonly TimeSpan Round = TimeSpan.FromMilliseconds(5);
    private static readonly DispatchOptions Options = new() { PaceBacklog = 100_000 };

    private readonly SteppedClock clock = new();
    private readonly ScriptedWriter writer = new();

    [Fact]
    public void WritersLessThanTheBoundBehindDoNotHoldTheDispatcher()
    {
        var pace = new WriterPace(writer, Options, clock);
        writer.Set(backlog: 99_000, storedPerSecond: 20_000);

        var sent = Run(pace, TimeSpan.FromSeconds(3), demandPerSecond: 200_000);

        Assert.Null(pace.Pace);
        Assert.Equal(600_000, sent);
    }

    [Fact]
    public void WritersPastTheBoundAndStoringSetThePaceAtALittleUnderTheirRate()
    {
        var pace = new WriterPace(writer, Options, clock);
        writer.Set(backlog: 150_000, storedPerSecond: 40_000);
        Run(pace, TimeSpan.FromSeconds(2), demandPerSecond: 200_000);

        var sent = Run(pace, TimeSpan.FromSeconds(5), demandPerSecond: 200_000);

        Assert.Equal(40_000 * 0.95, pace.Pace!.Value, precision: 0);
        // Five seconds at the pace, give or take one call's overdraft and a tenth of a second of savings.
        Assert.InRange(sent, 5 * 38_000 - 1_000, 5 * 38_000 + 4_800);
    }

    [Fact]
    public void WritersThatStoreNothingAreNotPacedKafkaHoldsTheBacklog()
    {
        // PostgreSQL down: the writers store nothing; holding the feed back would lose what Kafka can keep.
        var pace = new WriterPace(writer, Options, clock);
        writer.Set(backlog: 150_000, storedPerSecond: 40_000);
        Run(pace, TimeSpan.FromSeconds(2), demandPerSecond: 200_000);
        Assert.NotNull(pace.Pace);

        writer.Set(backlog: 400_000, storedPerSecond: 0);
        // The writers' rate is taken over two seconds: by then it reads zero.
        Run(pace, TimeSpan.FromSeconds(3), demandPerSecond: 100_000);
        var sent = Run(pace, TimeSpan.FromSeconds(2), demandPerSecond: 100_000);

        Assert.Null(pace.Pace);
        Assert.Equal(200_000, sent);
    }

    [Fact]
    public void CatchingUpAfterAnOutageTheLiveTicksAllGoThrough()
    {
        // 600,000 behind after an outage, the writers storing 40,000/s, the exchange sending 10,000/s: the pace holds
        // but does not bind, so no live tick waits for it.
        var pace = new WriterPace(writer, Options, clock);
        writer.Set(backlog: 600_000, storedPerSecond: 40_000);

        var sent = Run(pace, TimeSpan.FromSeconds(5), demandPerSecond: 10_000);

        Assert.NotNull(pace.Pace);
        Assert.Equal(50_000, sent);
    }

    [Fact]
    public void ThePaceHoldsUntilTheBacklogIsHalfTheBound()
    {
        var pace = new WriterPace(writer, Options, clock);
        writer.Set(backlog: 150_000, storedPerSecond: 40_000);
        Run(pace, TimeSpan.FromSeconds(2), demandPerSecond: 200_000);

        writer.Set(backlog: 60_000, storedPerSecond: 40_000);
        Run(pace, TimeSpan.FromSeconds(1), demandPerSecond: 200_000);
        Assert.NotNull(pace.Pace);

        writer.Set(backlog: 50_000, storedPerSecond: 40_000);
        Run(pace, TimeSpan.FromSeconds(1), demandPerSecond: 200_000);
        Assert.Null(pace.Pace);
        Assert.InRange(pace.Held, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(4));
    }

    [Fact]
    public void TheCallThatStartsOrEndsThePaceSaysSo()
    {
        var pace = new WriterPace(writer, Options, clock);
        writer.Set(backlog: 150_000, storedPerSecond: 40_000);
        var changes = new List<bool>();
        for (var i = 0; i < 400; i++)
        {
            clock.Advance(Round);
            writer.Elapse(Round);
            pace.Allowance(out var changed);
            if (changed is { } c)
            {
                changes.Add(c);
            }

            if (i == 200)
            {
                writer.Set(backlog: 10_000, storedPerSecond: 40_000);
            }
        }

        Assert.Equal([true, false], changes);
    }

    [Fact]
    public void WithoutASampleOrWithTheBoundOffNothingIsPaced()
    {
        writer.Set(backlog: 1_000_000, storedPerSecond: 1_000);
        var off = new WriterPace(writer, new DispatchOptions { PaceBacklog = 0 }, clock);
        var blind = new WriterPace(new ScriptedWriter(), Options, clock);

        Assert.Equal(200_000, Run(off, TimeSpan.FromSeconds(2), demandPerSecond: 100_000));
        Assert.Equal(200_000, Run(blind, TimeSpan.FromSeconds(2), demandPerSecond: 100_000));
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

    private long Run(WriterPace pace, TimeSpan duration, int demandPerSecond)
    {
        long sent = 0;
        double waiting = 0;
        for (var elapsed = TimeSpan.Zero; elapsed < duration; elapsed += Round)
        {
            clock.Advance(Round);
            writer.Elapse(Round);
            waiting += demandPerSecond * Round.TotalSeconds;
            // The pump: calls of up to 1,000 ticks while the pace allows.
            while (waiting >= 1 && pace.Allowance(out _) > 0)
            {
                var call = (int)Math.Min(1_000, waiting);
                pace.Spend(call);
                sent += call;
                waiting -= call;
            }
        }

        return sent;
    }

    private sealed class ScriptedWriter : IWriterProgress
    {
        private long? backlog;
        private double storedPerSecond;
        private double stored;

        public void Set(long backlog, double storedPerSecond)
        {
            this.backlog = backlog;
            this.storedPerSecond = storedPerSecond;
        }

        public void Elapse(TimeSpan by) => stored += storedPerSecond * by.TotalSeconds;

        public WriterProgressSample? Sample()
        {
            if (backlog is not { } b)
            {
                return null;
            }

            var delivered = (long)stored;
            stored -= delivered;
            return new WriterProgressSample(b, delivered);
        }
    }
}
