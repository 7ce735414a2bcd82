using Laevitas.Grains.Abstractions.Ticks;
using Laevitas.Grains.Publishing;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Laevitas.Tests.Grains.Publishing;

public sealed class TickSpoolTests : IDisposable
{
    private const long Segment = 64 * 1024;
    private readonly string directory = Path.Combine(Path.GetTempPath(), "laevitas-tests", "spool-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void ReadsBackInOrderAcrossSegmentsAndLeavesNoFilesWhenEmpty()
    {
        var ticks = Ticks(2_000);
        using var spool = new TickSpool(directory, 64 * Segment, Segment, NullLogger.Instance);
        foreach (var tick in ticks)
        {
            Assert.True(spool.TryAppend(tick));
        }

        Assert.True(SegmentFiles().Length > 3, "2,000 ticks of ~200 bytes should span several 64 KiB segments");
        Assert.Equal(ticks.Count, spool.PendingRecords);

        var read = new List<RawTick>();
        while (spool.ReadBatch(read, 77) > 0)
        {
        }

        AssertSame(ticks, read);
        Assert.True(spool.IsEmpty);
        Assert.Equal(0, spool.PendingBytes);

        // Read is not delivered: the files stay until every record read from them is settled.
        Assert.NotEmpty(SegmentFiles());
        foreach (var tick in read)
        {
            Assert.True(spool.Acknowledge(tick));
        }

        Assert.False(spool.HasUnacknowledged);
        Assert.Empty(SegmentFiles());
    }

    [Fact]
    public void RecordsReadButNotAcknowledgedAreReadAgainByTheNextInstance()
    {
        var ticks = Ticks(500);
        using (var spool = new TickSpool(directory, 64 * Segment, Segment, NullLogger.Instance))
        {
            foreach (var tick in ticks)
            {
                spool.TryAppend(tick);
            }

            var all = new List<RawTick>();
            while (spool.ReadBatch(all, 100) > 0)
            {
            }

            // Only the first segment's worth is acknowledged (as if the broker had those): the rest must survive.
            foreach (var tick in all.Take(120))
            {
                spool.Acknowledge(tick);
            }
        }

        using var reopened = new TickSpool(directory, 64 * Segment, Segment, NullLogger.Instance);
        var again = new List<RawTick>();
        while (reopened.ReadBatch(again, 100) > 0)
        {
        }

        // Whole segments come back (a record acknowledged in a segment with unsettled ones is published twice; the
        // writer stores it once), and nothing unacknowledged is missing.
        Assert.Superset(ticks.Skip(120).Select(t => t.Timestamp).ToHashSet(), again.Select(t => t.Timestamp).ToHashSet());
    }

    [Fact]
    public void InterleavedAppendsAndReadsKeepOrder()
    {
        var ticks = Ticks(1_000);
        using var spool = new TickSpool(directory, 64 * Segment, Segment, NullLogger.Instance);
        var read = new List<RawTick>();
        for (var i = 0; i < ticks.Count; i++)
        {
            spool.TryAppend(ticks[i]);
            if (i % 7 == 0)
            {
                spool.ReadBatch(read, 3);
            }
        }

        while (spool.ReadBatch(read, 50) > 0)
        {
        }

        AssertSame(ticks, read);
    }

    [Fact]
    public void ANewInstancePicksUpWhereTheLastStopped()
    {
        var ticks = Ticks(500);
        using (var spool = new TickSpool(directory, 64 * Segment, Segment, NullLogger.Instance))
        {
            foreach (var tick in ticks)
            {
                spool.TryAppend(tick);
            }

            var first = new List<RawTick>();
            spool.ReadBatch(first, 120);
            AssertSame(ticks.Take(120).ToList(), first);
            foreach (var tick in first)
            {
                spool.Acknowledge(tick);
            }
        }

        using var reopened = new TickSpool(directory, 64 * Segment, Segment, NullLogger.Instance);
        Assert.Equal(380, reopened.PendingRecords);
        var rest = new List<RawTick>();
        while (reopened.ReadBatch(rest, 100) > 0)
        {
        }

        AssertSame(ticks.Skip(120).ToList(), rest);
    }

    [Fact]
    public void ARecordCutShortByACrashEndsItsSegment()
    {
        var ticks = Ticks(10);
        using (var spool = new TickSpool(directory, 64 * Segment, Segment, NullLogger.Instance))
        {
            foreach (var tick in ticks)
            {
                spool.TryAppend(tick);
            }
        }

        var file = Assert.Single(SegmentFiles());
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..^5]); // the last record lost its tail

        using var reopened = new TickSpool(directory, 64 * Segment, Segment, NullLogger.Instance);
        Assert.Equal(9, reopened.PendingRecords);
        var read = new List<RawTick>();
        while (reopened.ReadBatch(read, 100) > 0)
        {
        }

        AssertSame(ticks.Take(9).ToList(), read);
        Assert.True(reopened.IsEmpty);
    }

    [Fact]
    public void RefusesPastItsBoundAndAcceptsAgainOnceRead()
    {
        using var spool = new TickSpool(directory, Segment, Segment, NullLogger.Instance);
        var accepted = 0;
        foreach (var tick in Ticks(1_000))
        {
            if (!spool.TryAppend(tick))
            {
                break;
            }

            accepted++;
        }

        Assert.InRange(accepted, 100, 999);
        Assert.True(spool.PendingBytes <= Segment);
        var read = new List<RawTick>();
        spool.ReadBatch(read, 10);
        Assert.True(spool.TryAppend(TestTicks.Create("BTC-PERPETUAL", 1)));
    }

    [Fact]
    public void PrependedTicksComeFirst()
    {
        using var spool = new TickSpool(directory, 64 * Segment, Segment, NullLogger.Instance);
        var later = Ticks(50, start: 100);
        foreach (var tick in later)
        {
            spool.TryAppend(tick);
        }

        var partial = new List<RawTick>();
        spool.ReadBatch(partial, 10);
        var earlier = Ticks(20);
        spool.PrependAndSync(earlier);

        var read = new List<RawTick>();
        while (spool.ReadBatch(read, 7) > 0)
        {
        }

        AssertSame(earlier.Concat(later.Skip(10)).ToList(), read);
    }

    [Fact]
    public void TicksPutInFrontWhileReadSegmentsWaitForTheBrokerGetSegmentsOfTheirOwn()
    {
        // What the publisher does through a broker outage: ticks read out go to the producer (their segments stay on
        // disk until acknowledged), are taken back and put in front, read again, taken back again. Each prepend needs
        // a file name no segment still on disk has: it once took the number below the first unread segment, which is
        // the fully read one still waiting for its acknowledgements, and failed ("file already exists").
        using var spool = new TickSpool(directory, 64 * Segment, Segment, NullLogger.Instance);
        var all = Ticks(1_000);
        all.ForEach(t => Assert.True(spool.TryAppend(t)));
        Assert.True(SegmentFiles().Length >= 3, $"{SegmentFiles().Length} segments: the test needs several");

        // Read until a whole segment is read out (kept for its unsettled records) while later ones are still unread.
        var handedOver = new List<RawTick>();
        while (spool.RetiredSegments == 0)
        {
            Assert.True(spool.ReadBatch(handedOver, 50) > 0);
        }

        Assert.False(spool.IsEmpty);
        var taken = handedOver.Count;
        var expected = all;
        for (var round = 0; round < 2; round++)
        {
            // Taken back: written in front, and the originals settled by their copies.
            spool.PrependAndSync(handedOver);
            handedOver.ForEach(t => spool.Acknowledge(t));
            Assert.Equal(expected.Count, spool.PendingRecords);
            var reread = new List<RawTick>();
            while (spool.ReadBatch(reread, 100) > 0)
            {
            }

            AssertSame(expected, reread);

            // The first ones stay with the producer (to be taken back again), the rest are delivered.
            handedOver = reread[..taken];
            expected = handedOver;
            foreach (var tick in reread[taken..])
            {
                spool.Acknowledge(tick);
            }

            Assert.True(spool.IsEmpty);
        }
    }

    private static List<RawTick> Ticks(int count, int start = 0)
    {
        var names = new[] { "BTC-PERPETUAL", "XRP_USDC-30MAY25-0d625-C", "ETH-29MAR30-4000-P" };
        return Enumerable.Range(start, count).Select(i => TestTicks.Create(names[i % names.Length], 1_700_000_000_000 + i, i)).ToList();
    }

    private static void AssertSame(IReadOnlyList<RawTick> expected, IReadOnlyList<RawTick> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].InstrumentName, actual[i].InstrumentName);
            Assert.Equal(expected[i].Timestamp, actual[i].Timestamp);
            Assert.Equal(expected[i].ReceivedAtMs, actual[i].ReceivedAtMs);
            Assert.Equal(expected[i].Payload, actual[i].Payload);
        }
    }

    private string[] SegmentFiles() => Directory.Exists(directory) ? Directory.GetFiles(directory, "*.spool") : [];
}
