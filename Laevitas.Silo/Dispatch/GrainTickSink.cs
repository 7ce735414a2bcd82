using Laevitas.Diagnostics;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Laevitas.Grains.Abstractions.Indexes;
using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Grains.Abstractions.Ticks;
using Laevitas.Grains.Abstractions.Trades;
using Laevitas.Grains.Publishing;
using Laevitas.Feed;
using Microsoft.Extensions.Options;

namespace Laevitas.Silo.Dispatch;

/// <summary>
/// Routes the feed's ticks to <see cref="IInstrumentGrain"/>s, batched per instrument, and listing changes to the
/// grains and the <see cref="IInstrumentRegistryGrain"/>.
/// </summary>
/// <remarks>
/// <para><see cref="OnTick"/> only appends to the instrument's queue (a dictionary lookup and a short lock) and,
/// when the instrument was idle, hands the queue to a pump. The pump waits <see cref="DispatchOptions.BatchWindow"/>
/// so ticks gather, then makes one awaited call per instrument with everything gathered, at most
/// <see cref="DispatchOptions.MaxConcurrentCalls"/> at a time and <see cref="DispatchOptions.MaxCallsPerSecond"/>
/// per second (a call's CPU cost hardly depends on its size). While a call is in flight, new ticks of the
/// instrument gather for its next call, which joins the pump's line when the first returns. So at most one call
/// per instrument is in flight (per-instrument order holds even though Orleans does not order messages), and
/// under load the number of calls per second is bounded by the number of instruments, not of ticks: batches grow
/// instead.</para>
/// <para>A failed call is retried with the same ticks, in front of newer ones, after
/// <see cref="DispatchOptions.RetryDelay"/>, without holding a call slot meanwhile. If a call timed out after the grain had taken the ticks, the retry
/// publishes them twice; the writer stores a tick once.</para>
/// <para>At most <see cref="DispatchOptions.MaxPendingTicks"/> ticks wait; past that <see cref="WaitForRoomAsync"/>
/// holds the feed's connections back for up to <see cref="DispatchOptions.MaxBackPressureLag"/> behind the exchange,
/// and what arrives while still full is dropped (counted, logged).</para>
/// <para>Once the writers are <see cref="DispatchOptions.PaceBacklog"/> ticks behind and working, calls carry
/// ticks no faster than the writers store them (<see cref="WriterPace"/>); the backlog bound above then holds the
/// rest back.</para>
/// </remarks>
public sealed partial class GrainTickSink : ITickSink, ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    // A round's wait while the writers' pace allows no call (see PumpAsync).
    private static readonly TimeSpan PacedWait = TimeSpan.FromMilliseconds(5);

    private readonly IGrainFactory grainFactory;
    private readonly SiloAddress localSilo;
    private readonly DispatchOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger<GrainTickSink> logger;
    private readonly ConcurrentDictionary<string, InstrumentQueue> queues = new(StringComparer.Ordinal);
    private readonly Channel<InstrumentQueue> ready = Channel.CreateUnbounded<InstrumentQueue>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<string, IGrainFactory, InstrumentQueue> createQueue = static (name, factory) => new InstrumentQueue(factory.GetGrain<IInstrumentGrain>(name));
    private readonly LogThrottle dropLog;
    private readonly LogThrottle failureLog;
    private readonly CancellationTokenSource stopping = new();
    private readonly SemaphoreSlim callSlots;
    private readonly BackPressureGate backPressure;
    private readonly IndexForwarder indexes;
    private readonly WriterPace pace;
    private Task? pump;
    private Task? indexPump;
    private Task? slowCallWatch;
    private Task? paceWatch;
    private long slowCalls;
    private long pending;
    private long dispatched;
    private long dropped;
    private long failedCalls;
    private int disposed;

    public GrainTickSink(
        IGrainFactory grainFactory,
        ILocalSiloDetails localSilo,
        IOptions<DispatchOptions> options,
        IMeterFactory meterFactory,
        TimeProvider timeProvider,
        ILogger<GrainTickSink> logger,
        IWriterProgress? writerProgress = null)
    {
        this.grainFactory = grainFactory;
        this.localSilo = localSilo.SiloAddress;
        this.options = options.Value;
        callSlots = new SemaphoreSlim(this.options.MaxConcurrentCalls);
        backPressure = new BackPressureGate(() => Interlocked.Read(ref pending), this.options, timeProvider);
        this.timeProvider = timeProvider;
        this.logger = logger;
        dropLog = new LogThrottle(TimeSpan.FromSeconds(10), timeProvider);
        failureLog = new LogThrottle(TimeSpan.FromSeconds(10), timeProvider);
        indexes = new IndexForwarder(grainFactory, this.options, timeProvider, logger);
        pace = new WriterPace(writerProgress, this.options, timeProvider);
        var meter = new LaevitasMeter(meterFactory);
        meter.ObserveCounter(LaevitasMetrics.DispatchTicks, () => Interlocked.Read(ref dispatched));
        meter.ObserveCounter(LaevitasMetrics.DispatchDropped, () => Interlocked.Read(ref dropped));
        meter.ObserveCounter(LaevitasMetrics.DispatchFailedCalls, () => Interlocked.Read(ref failedCalls));
        meter.ObserveCounter(LaevitasMetrics.DispatchSlowCalls, () => Interlocked.Read(ref slowCalls));
        meter.ObserveCounter(LaevitasMetrics.DispatchHeldBack, () => backPressure.HeldBack.TotalSeconds);
        meter.ObserveGauge(LaevitasMetrics.DispatchPending, () => Interlocked.Read(ref pending));
        meter.ObserveCounter(LaevitasMetrics.DispatchPaced, () => pace.Held.TotalSeconds);
        meter.ObserveGauge(LaevitasMetrics.DispatchPace, () => (long)(pace.Pace ?? 0));
    }

    public DispatchStatus GetStatus() => new(
        Interlocked.Read(ref dispatched), Interlocked.Read(ref pending), Interlocked.Read(ref dropped), Interlocked.Read(ref failedCalls), queues.Count,
        Interlocked.Read(ref slowCalls), pace.Pace);

    public void OnTick(RawTick tick)
    {
        if (Interlocked.Increment(ref pending) > options.MaxPendingTicks)
        {
            Interlocked.Decrement(ref pending);
            var total = Interlocked.Increment(ref dropped);
            if (dropLog.ShouldLog(out var suppressed))
            {
                DispatchLog.BacklogFull(logger, tick.InstrumentName, tick.Timestamp, options.MaxPendingTicks, suppressed + 1, total);
            }

            return;
        }

        var queue = queues.GetOrAdd(tick.InstrumentName, createQueue, grainFactory);
        bool schedule;
        lock (queue)
        {
            queue.Ticks.Add(tick);
            schedule = !queue.Scheduled;
            queue.Scheduled = true;
        }

        if (schedule)
        {
            ready.Writer.TryWrite(queue);
        }
    }

    /// <summary>
    /// Queues a trade behind its instrument's other trades, exactly like a tick: counted in the same backlog bound, sent
    /// in the instrument's next call (at most one in flight), retried the same way when the call fails.
    /// </summary>
    public void OnTrade(RawTrade trade)
    {
        if (Interlocked.Increment(ref pending) > options.MaxPendingTicks)
        {
            Interlocked.Decrement(ref pending);
            var total = Interlocked.Increment(ref dropped);
            if (dropLog.ShouldLog(out var suppressed))
            {
                DispatchLog.BacklogFull(logger, trade.InstrumentName, trade.Timestamp, options.MaxPendingTicks, suppressed + 1, total);
            }

            return;
        }

        var queue = queues.GetOrAdd(trade.InstrumentName, createQueue, grainFactory);
        bool schedule;
        lock (queue)
        {
            queue.Trades.Add(trade);
            schedule = !queue.Scheduled;
            queue.Scheduled = true;
        }

        if (schedule)
        {
            ready.Writer.TryWrite(queue);
        }
    }

    /// <summary>
    /// Index values go their own way (<see cref="IndexForwarder"/>): a few a second, to one grain per index, never
    /// counted in the tick backlog nor holding the feed back.
    /// </summary>
    public void OnIndexValue(IndexValue value) => indexes.Add(value);

    public ValueTask WaitForRoomAsync(TimeSpan lag, CancellationToken cancellationToken) => backPressure.WaitForRoomAsync(lag, cancellationToken);

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(GrainTickSink), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    public void Dispose()
    {
        // Registered under several service types, so the container may dispose it more than once.
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            stopping.Cancel();
            stopping.Dispose();
            callSlots.Dispose();
        }
    }

    private Task StartAsync(CancellationToken cancellationToken)
    {
        pump ??= Task.Run(() => PumpAsync(stopping.Token), CancellationToken.None);
        indexPump ??= Task.Run(() => indexes.RunAsync(stopping.Token), CancellationToken.None);
        slowCallWatch ??= Task.Run(() => WatchSlowCallsAsync(stopping.Token), CancellationToken.None);
        paceWatch ??= Task.Run(() => WatchPaceAsync(stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Runs before grains are deactivated: gives pending ticks <see cref="DispatchOptions.DrainTimeout"/> to reach them.</summary>
    private async Task StopAsync(CancellationToken cancellationToken)
    {
        var deadline = timeProvider.GetTimestamp() + (long)(options.DrainTimeout.TotalSeconds * timeProvider.TimestampFrequency);
        // Index values waiting get the same time (a second's worth at most; their grains flush on deactivation).
        while ((Interlocked.Read(ref pending) > 0 || indexes.Waiting > 0) && timeProvider.GetTimestamp() < deadline && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), timeProvider, CancellationToken.None);
        }

        var left = Interlocked.Read(ref pending);
        if (left > 0)
        {
            DispatchLog.Undelivered(logger, left, options.DrainTimeout);
        }

        await stopping.CancelAsync();
        if (pump is not null)
        {
            await pump;
        }

        if (slowCallWatch is not null)
        {
            await slowCallWatch;
        }

        if (paceWatch is not null)
        {
            await paceWatch;
        }

        if (indexPump is not null)
        {
            await indexPump;
        }
    }

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        var reader = ready.Reader;
        var budget = new CallBudget(options.MaxCallsPerSecond, timeProvider);
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken))
            {
                if (options.BatchWindow > TimeSpan.Zero)
                {
                    await Task.Delay(options.BatchWindow, timeProvider, cancellationToken);
                }

                // Instruments left in line when this round's budget is spent go first in the next round, with
                // whatever ticks they gathered meanwhile.
                var allowed = budget.Refill();
                var paced = false;
                while (allowed-- > 0)
                {
                    if (!HasPace())
                    {
                        paced = true;
                        break;
                    }

                    if (!reader.TryRead(out var queue))
                    {
                        break;
                    }

                    // Bounded calls in flight: a cold start activates every instrument at once, and each activation
                    // reads its state from the database; unbounded, thousands of reads exhaust the connection pool.
                    // Ticks keep gathering per instrument meanwhile, so the bound costs batches, not throughput.
                    await callSlots.WaitAsync(cancellationToken);
                    pace.Spend(Send(queue));
                }

                if (paced && options.BatchWindow < PacedWait)
                {
                    // Out of pace: ticks are waiting, so the next round would come at once (Dispatch:BatchWindow may be
                    // zero); wait for the pace to earn a call's worth instead of spinning.
                    await Task.Delay(PacedWait, timeProvider, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Whether the writers' pace (<see cref="WriterPace"/>) lets another call go now; logs when it starts and ends.</summary>
    private bool HasPace()
    {
        var allowance = pace.Allowance(out var changed);
        switch (changed)
        {
            case true:
                DispatchLog.PaceStarted(logger, pace.Backlog, options.PaceBacklog, pace.Pace ?? 0);
                break;
            case false:
                DispatchLog.PaceEnded(logger, pace.Backlog, pace.Held);
                break;
        }

        return allowance > 0;
    }

    /// <summary>Starts the instrument's next call; returns the ticks and trades it carries.</summary>
    private int Send(InstrumentQueue queue)
    {
        RawTick[] batch;
        RawTrade[] trades;
        lock (queue)
        {
            var count = Math.Min(queue.Ticks.Count, options.MaxBatchSize);
            var tradeCount = Math.Min(queue.Trades.Count, options.MaxBatchSize);
            if (count == 0 && tradeCount == 0)
            {
                queue.Scheduled = false;
                callSlots.Release();
                return 0;
            }

            batch = CollectionsMarshal.AsSpan(queue.Ticks)[..count].ToArray();
            queue.Ticks.RemoveRange(0, count);
            trades = tradeCount == 0 ? [] : CollectionsMarshal.AsSpan(queue.Trades)[..tradeCount].ToArray();
            queue.Trades.RemoveRange(0, tradeCount);
        }

        queue.CallStartedAt = timeProvider.GetTimestamp();
        Volatile.Write(ref queue.HoldsSlot, 1);
        _ = CallAsync(queue, batch, trades);
        return batch.Length + trades.Length;
    }

    /// <summary>Gives the call's slot back, once: when it answers, fails, or is found slow, whichever comes first.</summary>
    private void ReleaseSlot(InstrumentQueue queue)
    {
        if (Interlocked.Exchange(ref queue.HoldsSlot, 0) == 1)
        {
            callSlots.Release();
        }
    }

    /// <summary>
    /// Every quarter of <see cref="DispatchOptions.SlowCallAfter"/>, frees the slots of calls older than it (see there
    /// for why). A sweep over the queues rather than a timer per call: calls run at thousands a second, slow ones are rare.
    /// </summary>
    private async Task WatchSlowCallsAsync(CancellationToken cancellationToken)
    {
        var threshold = (long)(options.SlowCallAfter.TotalSeconds * timeProvider.TimestampFrequency);
        using var timer = new PeriodicTimer(options.SlowCallAfter / 4, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var now = timeProvider.GetTimestamp();
                var freed = 0;
                foreach (var queue in queues.Values)
                {
                    if (Volatile.Read(ref queue.HoldsSlot) == 1 && now - Volatile.Read(ref queue.CallStartedAt) > threshold
                        && Interlocked.Exchange(ref queue.HoldsSlot, 0) == 1)
                    {
                        callSlots.Release();
                        freed++;
                    }
                }

                if (freed > 0)
                {
                    var total = Interlocked.Add(ref slowCalls, freed);
                    DispatchLog.SlowCalls(logger, freed, options.SlowCallAfter, total);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Samples the writers' pace while no tick waits for the pump (which samples it before each call), so the pace
    /// ends, and the status says so, when a load does.
    /// </summary>
    private async Task WatchPaceAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(WriterPace.SampleInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                HasPace();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task CallAsync(InstrumentQueue queue, RawTick[] batch, RawTrade[] trades)
    {
        // Ticks first, then trades, one after the other: still a single call in flight per instrument. A trades-only
        // call is the rare case (most trades move the ticker too, so they travel with ticks in the same turn).
        var ticksDone = batch.Length == 0;
        try
        {
            if (!ticksDone)
            {
                await queue.Grain.ReceiveTicksAsync(new TickBatch(batch, localSilo));
                ticksDone = true;
                Interlocked.Add(ref dispatched, batch.Length);
                Interlocked.Add(ref pending, -batch.Length);
            }

            if (trades.Length > 0)
            {
                await queue.Grain.ReceiveTradesAsync(new TradeBatch(trades, localSilo));
                Interlocked.Add(ref dispatched, trades.Length);
                Interlocked.Add(ref pending, -trades.Length);
            }
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref failedCalls);
            if (failureLog.ShouldLog(out var suppressed))
            {
                var failed = ticksDone ? trades.Length : batch.Length;
                var instrument = batch.Length > 0 ? batch[0].InstrumentName : trades[0].InstrumentName;
                DispatchLog.CallFailed(logger, ex, instrument, failed, options.RetryDelay, suppressed + 1);
            }

            lock (queue)
            {
                // Only what the grain has not answered for goes again (the ticks, if their call succeeded, do not).
                if (!ticksDone)
                {
                    queue.Ticks.InsertRange(0, batch);
                }

                queue.Trades.InsertRange(0, trades);
            }

            // The call slot is freed for the retry delay: when a silo dies, every instrument whose grain lived there
            // fails until membership declares it dead (10-30 s); holding a slot per failing instrument through its
            // delay took all of them (733 instruments, 64 slots) and the other two thirds of the market waited too.
            // The queue stays scheduled meanwhile, so new ticks gather behind the retried ones.
            ReleaseSlot(queue);
            await Task.Delay(options.RetryDelay, timeProvider, CancellationToken.None);
            ready.Writer.TryWrite(queue);
            return;
        }

        bool more;
        lock (queue)
        {
            more = queue.Ticks.Count > 0 || queue.Trades.Count > 0;
            queue.Scheduled = more;
        }

        ReleaseSlot(queue);
        if (more)
        {
            // Gathered while this call was in flight: back in line, behind instruments that waited for a slot.
            ready.Writer.TryWrite(queue);
        }
    }
}
