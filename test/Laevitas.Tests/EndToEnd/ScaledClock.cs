using System.Diagnostics;

namespace Laevitas.Tests.EndToEnd;

/// <summary>
/// Time from <c>start</c> running <see cref="Factor"/> times as fast as the wall clock, where the factor can change while
/// the clock runs (a test lets a silo come up at 1×, then races to 08:00). Timers follow: each remembers when it is due
/// on this clock and is re-armed on the wall clock whenever the factor changes, so a wait of a minute of this clock
/// takes a minute / factor of real time from then on.
/// </summary>
internal sealed class ScaledClock : TimeProvider
{
    private readonly Lock gate = new();
    private readonly HashSet<ClockTimer> timers = [];
    private DateTimeOffset anchor;
    private long anchorWall = Stopwatch.GetTimestamp();
    private double factor;

    public ScaledClock(DateTimeOffset start, double factor)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(factor);
        anchor = start;
        this.factor = factor;
    }

    public double Factor
    {
        get
        {
            lock (gate) return factor;
        }
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (gate) return NowLocked();
    }

    /// <summary>From now on the clock runs <paramref name="newFactor"/> times as fast as the wall clock.</summary>
    public void SetFactor(double newFactor)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(newFactor);
        ClockTimer[] live;
        lock (gate)
        {
            anchor = NowLocked();
            anchorWall = Stopwatch.GetTimestamp();
            factor = newFactor;
            live = [.. timers];
        }

        foreach (var timer in live) timer.Arm();
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ClockTimer(this, callback, state);
        lock (gate) timers.Add(timer);
        timer.Change(dueTime, period);
        return timer;
    }

    private DateTimeOffset NowLocked() => anchor + TimeSpan.FromTicks((long)(Stopwatch.GetElapsedTime(anchorWall).Ticks * factor));

    /// <summary>Wall time until <paramref name="due"/> of this clock (zero if past).</summary>
    private TimeSpan WallUntil(DateTimeOffset due)
    {
        lock (gate)
        {
            var left = due - NowLocked();
            return left <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromTicks((long)Math.Ceiling(left.Ticks / factor));
        }
    }

    private void Remove(ClockTimer timer)
    {
        lock (gate) timers.Remove(timer);
    }

    private sealed class ClockTimer : ITimer
    {
        private readonly ScaledClock clock;
        private readonly TimerCallback callback;
        private readonly object? state;
        private readonly ITimer inner;
        private readonly Lock gate = new();
        private DateTimeOffset? due;
        private TimeSpan period = Timeout.InfiniteTimeSpan;
        private bool disposed;

        public ClockTimer(ScaledClock clock, TimerCallback callback, object? state)
        {
            this.clock = clock;
            this.callback = callback;
            this.state = state;
            inner = TimeProvider.System.CreateTimer(_ => Fire(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (gate)
            {
                if (disposed) return false;
                due = dueTime == Timeout.InfiniteTimeSpan ? null : clock.GetUtcNow() + dueTime;
                this.period = period;
            }

            Arm();
            return true;
        }

        /// <summary>Sets the wall timer for when this clock reaches the due time, at the current factor.</summary>
        public void Arm()
        {
            lock (gate)
            {
                if (disposed) return;
                inner.Change(due is { } d ? clock.WallUntil(d) : Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
        }

        private void Fire()
        {
            lock (gate)
            {
                if (disposed || due is not { } d) return;
                if (clock.GetUtcNow() < d)
                {
                    // Woken early (rounding, or the factor changed under the wall timer): wait for the rest.
                    inner.Change(clock.WallUntil(d), Timeout.InfiniteTimeSpan);
                    return;
                }

                due = period > TimeSpan.Zero && period != Timeout.InfiniteTimeSpan ? d + period : null;
                if (due is { } next) inner.Change(clock.WallUntil(next), Timeout.InfiniteTimeSpan);
            }

            callback(state);
        }

        public void Dispose()
        {
            lock (gate) disposed = true;
            clock.Remove(this);
            inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
