using Laevitas.Grains.Instruments;

namespace Laevitas.Tests.Grains.Instruments;

public sealed class AcceptWindowTests
{
    private static readonly TimeSpan Horizon = TimeSpan.FromMilliseconds(100);

    [Fact]
    public void EachTimestampIsAcceptedOnceInAnyOrder()
    {
        var window = new AcceptWindow(Horizon, capacity: 64);

        Assert.Equal(AcceptDecision.Newer, window.Offer(10));
        Assert.Equal(AcceptDecision.Duplicate, window.Offer(10));
        Assert.Equal(AcceptDecision.Late, window.Offer(9));      // older, never seen
        Assert.Equal(AcceptDecision.Duplicate, window.Offer(9));
        Assert.Equal(AcceptDecision.Newer, window.Offer(12));
        Assert.Equal(AcceptDecision.Late, window.Offer(11));
        Assert.Equal(AcceptDecision.Duplicate, window.Offer(11));
        Assert.Equal(12, window.Newest);
        Assert.Equal([9, 10, 11, 12], window.Remembered());
        Assert.Null(window.Floor);
    }

    [Fact]
    public void TimestampsOlderThanTheHorizonLeaveTheWindowAndRaiseTheFloor()
    {
        var window = new AcceptWindow(Horizon, capacity: 64);
        window.Offer(1000);
        window.Offer(1050);
        window.Offer(1101); // 1000 is now more than 100 ms behind the newest

        Assert.Equal(1000, window.Floor);
        Assert.Equal(AcceptDecision.TooOld, window.Offer(1000));
        Assert.Equal(AcceptDecision.TooOld, window.Offer(990));
        Assert.Equal(AcceptDecision.Late, window.Offer(1001));
        Assert.Equal(AcceptDecision.Duplicate, window.Offer(1050));
    }

    [Fact]
    public void PastTheCapacityTheOldestLeaveFirst()
    {
        var window = new AcceptWindow(TimeSpan.FromHours(1), capacity: 16);
        for (long t = 1; t <= 40; t++)
        {
            Assert.Equal(AcceptDecision.Newer, window.Offer(t * 2));
        }

        Assert.Equal(16, window.Count);
        Assert.Equal(48, window.Floor); // 2..48 left, 50..80 remain
        Assert.Equal(AcceptDecision.TooOld, window.Offer(47));
        Assert.Equal(AcceptDecision.Late, window.Offer(49));
        Assert.Equal(16, window.Count);
        Assert.Equal(AcceptDecision.Duplicate, window.Offer(80));
    }

    [Fact]
    public void ManyLateTicksKeepTheWindowSorted()
    {
        var window = new AcceptWindow(TimeSpan.FromHours(1), capacity: 4096);
        var random = new Random(7);
        var offered = Enumerable.Range(1, 2000).Select(i => (long)i).OrderBy(_ => random.Next()).ToList();
        foreach (var t in offered)
        {
            Assert.NotEqual(AcceptDecision.Duplicate, window.Offer(t));
        }

        foreach (var t in offered)
        {
            Assert.Equal(AcceptDecision.Duplicate, window.Offer(t));
        }

        Assert.Equal(Enumerable.Range(1, 2000).Select(i => (long)i), window.Remembered());
    }

    [Fact]
    public void ARestoredWindowKnowsWhatWasAcceptedAndTheFloor()
    {
        var window = new AcceptWindow(Horizon, capacity: 64, floor: 100, accepted: [90, 101, 103]);

        Assert.Equal([101, 103], window.Remembered()); // 90 is under the floor
        Assert.Equal(AcceptDecision.TooOld, window.Offer(100));
        Assert.Equal(AcceptDecision.Duplicate, window.Offer(101));
        Assert.Equal(AcceptDecision.Late, window.Offer(102));
        Assert.Equal(AcceptDecision.Newer, window.Offer(104));
    }

    [Fact]
    public void TheCodecRoundTripsAscendingTimestamps()
    {
        long[] timestamps = [0, 1, 1_700_000_000_000, 1_700_000_000_100, 1_700_000_000_101, long.MaxValue / 2];
        var packed = TimestampSetCodec.Encode(timestamps);

        Assert.Equal(timestamps, TimestampSetCodec.Decode(packed));
        Assert.Empty(TimestampSetCodec.Decode(null));
        // Truncated: what was whole before the damage.
        Assert.Equal(timestamps.Take(2), TimestampSetCodec.Decode(packed[..3]));
        Assert.Throws<ArgumentException>(() => TimestampSetCodec.Encode([5, 4]));
    }

    [Fact]
    public void PersistedTimestampsLeaveOutPublishesNotYetDurable()
    {
        var first = new TaskCompletionSource();
        var watermark = new PublishedWatermark(start: 5);

        watermark.Add([10, 11], first.Task);
        watermark.Add([20], Task.CompletedTask);
        Assert.Equal(5, watermark.Through);
        var (notDurable, oldest) = watermark.NotDurable();
        Assert.Equal([10, 11], notDurable.Order());
        Assert.Equal(10, oldest);

        first.SetResult();
        Assert.True(watermark.Advance());
        Assert.Equal(20, watermark.Through);
        Assert.Empty(watermark.NotDurable().Timestamps);

        watermark.Add([15], Task.CompletedTask); // a late tick: the watermark does not go back
        Assert.Equal(20, watermark.Through);
    }
}
