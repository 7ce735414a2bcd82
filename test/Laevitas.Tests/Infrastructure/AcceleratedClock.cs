using System.Diagnostics;

namespace Laevitas.Tests.Infrastructure;

/// <summary>
/// Time from <paramref name="start"/> running <paramref name="factor"/> times faster than the wall clock, timers
/// included: a wait of a minute on it takes a minute / factor of real time. Lets a test cross 08:00 UTC in seconds.
/// </summary>
internal sealed class AcceleratedClock(DateTimeOffset start, double factor) : TimeProvider
{
    private readonly Stopwatch elapsed = Stopwatch.StartNew();

    public override DateTimeOffset GetUtcNow() => start + TimeSpan.FromTicks((long)(elapsed.Elapsed.Ticks * factor));

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        new ScaledTimer(System.CreateTimer(callback, state, Scale(dueTime), Scale(period)), this);

    private TimeSpan Scale(TimeSpan span) => span == Timeout.InfiniteTimeSpan ? span : TimeSpan.FromTicks((long)(span.Ticks / factor));

    private sealed class ScaledTimer(ITimer inner, AcceleratedClock clock) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(clock.Scale(dueTime), clock.Scale(period));

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
