using Laevitas.Grains.Instruments;

namespace Laevitas.Tests.Grains;

public sealed class AcceptWindowTests
{
    [Fact]
    public void A_fresh_grain_accepts_its_first_tick_and_then_only_newer_or_missed_ones()
    {
        var window = new AcceptWindow(newest: null);

        Assert.Equal(AcceptDecision.Newer, window.Offer(10));
        Assert.Equal(AcceptDecision.Duplicate, window.Offer(10));
        Assert.Equal(AcceptDecision.Duplicate, window.Offer(9)); // older than anything it has accepted
        Assert.Equal(AcceptDecision.Newer, window.Offer(12));
        Assert.Equal(AcceptDecision.Late, window.Offer(11));     // between accepted ones, never seen
        Assert.Equal(AcceptDecision.Duplicate, window.Offer(11)); // now it has been
        Assert.Equal(12, window.Newest);
    }

    [Fact]
    public void A_reactivated_grain_accepts_only_ticks_newer_than_its_watermark()
    {
        var window = new AcceptWindow(newest: 100);

        Assert.Equal(AcceptDecision.Duplicate, window.Offer(100));
        Assert.Equal(AcceptDecision.Duplicate, window.Offer(50));
        Assert.Equal(AcceptDecision.Newer, window.Offer(101));
        // The watermark itself is not a remembered tick, but nothing below the oldest remembered one is vouched for.
        Assert.Equal(AcceptDecision.Duplicate, window.Offer(100));
    }

    [Fact]
    public void The_late_window_spans_only_the_last_accepted_timestamps()
    {
        var window = new AcceptWindow(newest: null);
        for (long t = 0; t < 2 * AcceptWindow.Capacity; t += 2)
        {
            window.Offer(t);
        }

        // Remembered: the last Capacity accepted (even numbers from 0 to 2·Capacity - 2): all of them, so 1 is late.
        Assert.Equal(AcceptDecision.Late, window.Offer(1));
        for (long t = 2 * AcceptWindow.Capacity; t < 4 * AcceptWindow.Capacity; t += 2)
        {
            window.Offer(t);
        }

        // 3 fell out of the window: below the oldest remembered, so it is treated as a copy.
        Assert.Equal(AcceptDecision.Duplicate, window.Offer(3));
        Assert.Equal(AcceptDecision.Late, window.Offer(4 * AcceptWindow.Capacity - 3));
    }

    [Fact]
    public void The_persisted_watermark_stops_at_the_first_publish_not_yet_durable()
    {
        var first = new TaskCompletionSource();
        var second = new TaskCompletionSource();
        var watermark = new PublishedWatermark(start: 5);

        watermark.Add(10, first.Task);
        watermark.Add(20, second.Task);
        watermark.Add(30, Task.CompletedTask);
        Assert.Equal(5, watermark.Through);

        second.SetResult();
        Assert.False(watermark.Advance());
        Assert.Equal(5, watermark.Through);

        first.SetResult();
        Assert.True(watermark.Advance());
        Assert.Equal(30, watermark.Through);
        Assert.Equal(0, watermark.Outstanding);

        watermark.Add(25, Task.CompletedTask); // a late tick: the watermark does not go back
        Assert.Equal(30, watermark.Through);
    }
}
