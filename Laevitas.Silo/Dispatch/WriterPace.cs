namespace Laevitas.Silo.Dispatch;

/// <summary>
/// Holds the dispatcher to the writers' pace once they are <see cref="DispatchOptions.PaceBacklog"/> ticks behind and
/// working: ticks go to the grains (and so to Kafka) at most at the rate the writers stored them over the last two
/// seconds. What the exchange sends beyond that waits in the dispatcher, then in the exchange's socket buffers
/// (<see cref="BackPressureGate"/>), and past <see cref="DispatchOptions.MaxBackPressureLag"/> is dropped with a count.
/// </summary>
/// <remarks>
/// <para>Why: offered far more than it can take, the silo spent its cores taking ticks from the exchange and publishing
/// them while its writers starved; it landed a fraction of what it sustains (bench/results.md, the saturation level),
/// and the embedded broker deleted the unread backlog. The writers alone store faster than the whole pipeline (they ran
/// at ~70,000 rows/s once the load stopped), so giving them the CPU the excess took keeps the landed rate near
/// capacity.</para>
/// <para>It starts only when, for a second, the backlog was past the bound and larger than a second before (at once
/// when it grows so fast that another second would take it to twice the bound), no write failed and the writers are
/// working: within the last eight seconds they stored something or were less than half the bound behind. They fall
/// behind a load although they work, slowly when the feed takes their cores (then their batches land seconds apart, or
/// not at all for the first seconds of an overload, and the pace all but stops the feed until they store). It does not
/// start when writes fail or the writers stored nothing for eight seconds while behind (PostgreSQL down or not
/// answering: Kafka is where the ticks wait; held at the exchange they would be lost), nor while the backlog shrinks
/// (catching up after an outage, the writers outrun the live rate), nor in the first seconds after the last failed
/// write.</para>
/// <para>It ends when the backlog is half the bound, or a write fails, or the writers are no longer working (until
/// then, while they store nothing, the pace is what they stored over those eight seconds, or holds the feed).
/// PostgreSQL not answering under overload therefore holds the feed for up to eight seconds before Kafka takes the
/// backlog; a failed write ends the pace at once. The pace is under the writers' rate — a little (5 %) near the bound,
/// down to half when the backlog is far past it (publishing outran the writers before the pace started) — so the
/// backlog shrinks back instead of standing at or past the edge of a broker's retention (in the bench, pacing at 95 %
/// from 670,000 behind left the embedded broker deleting).</para>
/// </remarks>
internal sealed class WriterPace
{
    /// <summary>How often the writers' progress is sampled.</summary>
    public static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(250);

    // The writers' rate is taken over the last two seconds (eight samples): partitions deliver a batch at a time, and
    // taken over one second the pace swung between 10,000 and 50,000 ticks/s while the writers stored ~47,000 (bench).
    private const int RateSamples = 8;

    // Writers count as working while, within the last eight seconds, they stored anything or were within half the
    // bound (nothing much to store), with no write failing. Starved of CPU at the start of an overload (the feed and
    // the producer took the cores), they stored 192 and then 3,575 rows/s in the first two 6 s status intervals
    // while the backlog grew by 137,000 ticks/s: their batches landed seconds apart, so a test of "stored in the
    // last two seconds" kept the pace off until 684,492 behind, and the embedded broker deleted 330,168 ticks unread
    // (bench/results.md, "The partition's end asked of the broker"). PostgreSQL down makes writes fail, which ends
    // the pace at once; PostgreSQL not answering at all ends it once these seconds have passed.
    private static readonly TimeSpan WorkingWithin = TimeSpan.FromSeconds(8);
    private static readonly int WorkingSamples = (int)(WorkingWithin / SampleInterval);

    // The pace while the writers, working by the test above, stored nothing in that time: the feed waits for them.
    // Shown as 1 tick/s; savings capped at MaxBurst of it never reach a tick, so no call goes out until they store.
    private const double HeldPace = 1;

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
    private long? lastWorkingAt;
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
        if (recent.Count > WorkingSamples)
        {
            recent.Dequeue();
        }

        var rate = RateOver(RateSamples, now);
        var workingRate = RateOver(WorkingSamples, now);

        var failedNow = s.WriteFailures != lastWriteFailures;
        if (failedNow)
        {
            lastWriteFailures = s.WriteFailures;
            lastFailureAt = now;
        }
        else if (s.Delivered > 0 || s.Backlog <= bound / 2)
        {
            lastWorkingAt = now;
        }

        var failedLately = lastFailureAt is { } failed && time.GetElapsedTime(failed, now) < QuietAfterFailure;
        var working = lastWorkingAt is { } worked && time.GetElapsedTime(worked, now) < WorkingWithin;
        var holding = pace > 0;
        if (!working || s.Backlog <= bound / 2 || failedNow)
        {
            // Writers failing (an outage) or that stored nothing for seconds while behind (PostgreSQL not answering):
            // Kafka holds the backlog. Or caught up.
            fallingBehind = 0;
            return Release(now);
        }

        // Falling behind now: past the bound, further behind than a second ago, no write failed lately. Not "stored
        // in every sample": starved writers deliver in bursts, a second apart at times (the bench's overload).
        var secondAgo = recent.ElementAt(Math.Max(0, recent.Count - 1 - SamplesPerSecond)).Backlog;
        fallingBehind = s.Backlog >= bound && s.Backlog > secondAgo && !failedLately ? fallingBehind + 1 : 0;
        // Growing so fast that another second would take it to twice the bound: no second is waited for. At an
        // overload's start publishing outran starved writers by up to 160,000 ticks/s (bench), and the embedded
        // broker keeps ~5 MiB per partition: of a 684,492 backlog it deleted 330,168 unread, of 925,197 637,808.
        var steep = s.Backlog + (s.Backlog - secondAgo) >= 2 * bound;
        if (!holding && fallingBehind < SamplesPerSecond && !(fallingBehind > 0 && steep))
        {
            // Not far enough behind; or the backlog shrinks (catching up after an outage: the writers outrun the
            // live rate); or it has not grown for a whole second, nor steeply; or writes failed in the last seconds
            // (the writers are just back from an outage, and their first seconds' rate says nothing of what they
            // can do).
            return null;
        }

        // A backlog far past the bound (it grew fast before the pace started) is brought back towards it: the pace
        // is the writers' rate times the bound's share of the backlog, between half and Margin. Working writers that
        // stored nothing in the last two seconds are starved (their batches land seconds apart, or not yet): their
        // rate over the longer span is small or none, so the feed all but stops and gives them the cores, and the
        // pace follows their rate back up.
        var writersRate = rate > 0 ? rate : workingRate;
        Volatile.Write(ref pace, Math.Max(HeldPace, writersRate * Math.Clamp((double)bound / s.Backlog, 0.5, Margin)));
        if (holding)
        {
            return null;
        }

        tokens = 0;
        lastRefill = now;
        Volatile.Write(ref engagedSince, now);
        return true;
    }

    /// <summary>
    /// Ticks per second stored over the last <paramref name="samples"/> samples (fewer while there are fewer).
    /// </summary>
    private double RateOver(int samples, long now)
    {
        // Delivered counts what was stored since the sample before it, so the oldest sample only marks the start.
        var skip = Math.Max(0, recent.Count - samples);
        var seconds = time.GetElapsedTime(recent.ElementAt(skip).At, now).TotalSeconds;
        var stored = recent.Skip(skip + 1).Sum(r => r.Delivered);
        return seconds > 0 ? stored / seconds : 0;
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
