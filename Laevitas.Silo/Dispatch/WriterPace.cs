namespace Laevitas.Silo.Dispatch;

/// <summary>
/// Holds the dispatcher to the writers' pace once they are <see cref="DispatchOptions.PaceBacklog"/> ticks behind and
/// still storing: ticks go to the grains (and so to Kafka) at most at the rate the writers stored them over the last
/// two seconds. What the exchange sends beyond that waits in the dispatcher, then in the exchange's socket buffers
/// (<see cref="BackPressureGate"/>), and past <see cref="DispatchOptions.MaxBackPressureLag"/> is dropped with a count.
/// </summary>
/// <remarks>
/// <para>Why: offered far more than it can take, the silo spent its cores taking ticks from the exchange and
/// publishing them while its writers starved; it landed a fraction of what it sustains (bench/results.md, the
/// saturation level), and the embedded broker deleted the unread backlog. The writers alone store faster than the
/// whole pipeline (they ran at ~70,000 rows/s once the load stopped), so giving them the CPU the excess took keeps
/// the landed rate near capacity.</para>
/// <para>It starts only when, for a second, the backlog was past the bound and larger than a second before, the
/// writers stored and no write failed: they fall behind a load although they work. It does not start
/// when they store nothing or fail (PostgreSQL down: Kafka is where the ticks wait; held at the exchange they would
/// be lost), nor while the backlog shrinks (catching up after an outage, the writers outrun the live rate), nor in the
/// first seconds after the last failed write.</para>
/// <para>It ends when the backlog is half the bound, or the writers stop storing or a write fails. The pace is under
/// the writers' rate — a little (5 %) near the bound, down to half when the backlog is far past it (publishing
/// outran the writers before the pace started) — so the backlog shrinks back instead of standing at or past the edge
/// of a broker's retention (in the bench, pacing at 95 % from 670,000 behind left the embedded broker deleting).</para>
/// </remarks>
internal sealed class WriterPace
{
    /// <summary>How often the writers' progress is sampled.</summary>
    public static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(250);

    // The writers' rate is taken over the last two seconds (eight samples): partitions deliver a batch at a time, and
    // taken over one second the pace swung between 10,000 and 50,000 ticks/s while the writers stored ~47,000 (bench).
    private const int RateSamples = 8;
    private const int SamplesPerSecond = 4;
    private const double Margin = 0.95;

    // After a failed write the pace waits this long before it may start: writers back from an outage retry with a
    // backoff of up to 1 s (TickWriter:RetryMaxDelay, Kafka:Stream:RedeliveryMaxDelay) before they store at full speed.
    private static readonly TimeSpan QuietAfterFailure = TimeSpan.FromSeconds(5);

    // Savings of an idle spell, in seconds of the pace.
    private const double MaxBurst = 0.1;

    private readonly IWriterProgress? progress;
    private readonly long bound;
    private readonly TimeProvider time;
    private readonly Queue<(long At, long Backlog, long Delivered)> recent = new();
    // The pump asks before each call; the dispatcher's watch loop samples while no tick waits (so the pace ends
    // when a load does); status readers read the pace.
    private readonly Lock gate = new();
    private long lastSample;
    private long lastRefill;
    private double tokens;
    private double pace;
    // Consecutive samples that found the writers falling behind (see Decide).
    private int fallingBehind;
    private long lastWriteFailures;
    private long? lastFailureAt;
    private long engagedTicks;
    private long engagedSince = -1;

    public WriterPace(IWriterProgress? progress, DispatchOptions options, TimeProvider time)
    {
        this.progress = options.PaceBacklog > 0 ? progress : null;
        bound = options.PaceBacklog;
        this.time = time;
        lastSample = lastRefill = time.GetTimestamp();
    }

    /// <summary>The pace in ticks per second while it holds, else null.</summary>
    public double? Pace => Volatile.Read(ref pace) is > 0 and var p ? p : null;

    /// <summary>Time the pace held, summed.</summary>
    public TimeSpan Held
    {
        get
        {
            var since = Volatile.Read(ref engagedSince);
            var open = since < 0 ? 0 : time.GetElapsedTime(since).Ticks;
            return TimeSpan.FromTicks(Interlocked.Read(ref engagedTicks) + open);
        }
    }

    /// <summary>The writers' last sampled backlog (whole topic), for the log.</summary>
    public long Backlog { get; private set; }

    /// <summary>
    /// Ticks that may go to grains now: <see cref="long.MaxValue"/> while the pace does not hold. Called by the pump
    /// before each call; samples the writers' progress every <see cref="SampleInterval"/>. <paramref name="changed"/>:
    /// true when the pace started at this call, false when it ended, for the log.
    /// </summary>
    public long Allowance(out bool? changed)
    {
        lock (gate)
        {
            changed = null;
            return AllowanceLocked(ref changed);
        }
    }

    private long AllowanceLocked(ref bool? changed)
    {
        if (progress is null)
        {
            return long.MaxValue;
        }

        var now = time.GetTimestamp();
        if (time.GetElapsedTime(lastSample, now) >= SampleInterval)
        {
            lastSample = now;
            changed = Decide(progress.Sample(), now);
        }

        if (pace <= 0)
        {
            return long.MaxValue;
        }

        tokens = Math.Min(pace * MaxBurst, tokens + time.GetElapsedTime(lastRefill, now).TotalSeconds * pace);
        lastRefill = now;
        return tokens >= 1 ? (long)tokens : 0;
    }

    /// <summary>Ticks handed to grains (counted against the pace while it holds; a call may overdraw it).</summary>
    public void Spend(int ticks)
    {
        lock (gate)
        {
            if (pace > 0)
            {
                tokens -= ticks;
            }
        }
    }

    private bool? Decide(WriterProgressSample? sample, long now)
    {
        if (sample is not { } s)
        {
            recent.Clear();
            return Release(now);
        }

        Backlog = s.Backlog;
        recent.Enqueue((now, s.Backlog, s.Delivered));
        if (recent.Count > RateSamples)
        {
            recent.Dequeue();
        }

        // Delivered counts what was stored since the sample before it, so the oldest sample only marks the start.
        var (oldestAt, _, _) = recent.Peek();
        var seconds = time.GetElapsedTime(oldestAt, now).TotalSeconds;
        var stored = recent.Skip(1).Sum(r => r.Delivered);
        var rate = seconds > 0 ? stored / seconds : 0;

        var failedNow = s.WriteFailures != lastWriteFailures;
        if (failedNow)
        {
            lastWriteFailures = s.WriteFailures;
            lastFailureAt = now;
        }

        var failedLately = lastFailureAt is { } failed && time.GetElapsedTime(failed, now) < QuietAfterFailure;
        var holding = pace > 0;
        if (rate <= 0 || s.Backlog <= bound / 2 || failedNow)
        {
            // Writers stalled or failing (an outage: Kafka holds the backlog), or caught up.
            fallingBehind = 0;
            return Release(now);
        }

        // Falling behind now: past the bound, further behind than a second ago, no write failed lately. Not "stored
        // in every sample": starved writers deliver in bursts, a second apart at times (the bench's overload).
        var secondAgo = recent.ElementAt(Math.Max(0, recent.Count - 1 - SamplesPerSecond)).Backlog;
        fallingBehind = s.Backlog >= bound && s.Backlog > secondAgo && !failedLately ? fallingBehind + 1 : 0;
        if (!holding && fallingBehind < SamplesPerSecond)
        {
            // Not far enough behind; or the backlog shrinks (catching up after an outage: the writers outrun the
            // live rate); or it has not grown for a whole second; or writes failed in the last seconds (the
            // writers are just back from an outage, and their first seconds' rate says nothing of what they can do).
            return null;
        }

        // A backlog far past the bound (it grew fast before the pace started) is brought back towards it: the pace
        // is the writers' rate times the bound's share of the backlog, between half and Margin.
        Volatile.Write(ref pace, rate * Math.Clamp((double)bound / s.Backlog, 0.5, Margin));
        if (holding)
        {
            return null;
        }

        tokens = 0;
        lastRefill = now;
        Volatile.Write(ref engagedSince, now);
        return true;
    }

    private bool? Release(long now)
    {
        if (pace <= 0)
        {
            return null;
        }

        Volatile.Write(ref pace, 0);
        Interlocked.Add(ref engagedTicks, time.GetElapsedTime(engagedSince, now).Ticks);
        Volatile.Write(ref engagedSince, -1);
        return false;
    }
}
