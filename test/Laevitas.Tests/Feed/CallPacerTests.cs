using System.Diagnostics;
using Laevitas.Feed;

namespace Laevitas.Tests.Feed;

public class CallPacerTests
{
    private const double CallsPerSecond = 5;
    private static readonly TimeSpan Spacing = TimeSpan.FromSeconds(1 / CallsPerSecond);

    [Fact]
    public async Task ALateTimerPushesTheLaterCallersBackInsteadOfLettingThemBunch()
    {
        // No timer fires during the first 700 ms, as on a machine that stalls: every wait due in that time ends at once.
        var pacer = new CallPacer(CallsPerSecond, new StalledTimeProvider(TimeSpan.FromMilliseconds(700)));
        var releases = new List<long>();
        var gate = new Lock();

        var callers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            await pacer.WaitAsync(CancellationToken.None);
            lock (gate) releases.Add(Stopwatch.GetTimestamp());
        })).ToArray();
        await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(10));

        releases.Sort();
        var gaps = releases.Zip(releases.Skip(1), (a, b) => Stopwatch.GetElapsedTime(a, b)).ToArray();
        // A few ms below the spacing for timer granularity; bunched callers would be microseconds apart.
        Assert.All(gaps, gap => Assert.True(gap >= Spacing - TimeSpan.FromMilliseconds(15), $"callers released {gap.TotalMilliseconds:0} ms apart"));
    }

    [Fact]
    public async Task ACallerAfterAQuietSpellGoesAtOnce()
    {
        var pacer = new CallPacer(CallsPerSecond, TimeProvider.System);
        await pacer.WaitAsync(CancellationToken.None);
        await Task.Delay(Spacing * 2);

        var started = Stopwatch.GetTimestamp();
        await pacer.WaitAsync(CancellationToken.None);
        Assert.True(Stopwatch.GetElapsedTime(started) < Spacing, "a caller after a quiet spell should not wait");
    }

    /// <summary>The system clock, except that no timer fires before the stall (from its creation) is over.</summary>
    private sealed class StalledTimeProvider(TimeSpan stall) : TimeProvider
    {
        private readonly long stallEnds = Stopwatch.GetTimestamp() + (long)(stall.TotalSeconds * Stopwatch.Frequency);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var untilStallEnds = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), stallEnds);
            return System.CreateTimer(callback, state, dueTime > untilStallEnds ? dueTime : untilStallEnds, period);
        }
    }
}
