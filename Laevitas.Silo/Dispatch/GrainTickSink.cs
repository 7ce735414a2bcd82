using Laevitas.Diagnostics;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Grains.Abstractions.Ticks;
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
/// <see cref="DispatchOptions.RetryDelay"/>. If a call timed out after the grain had taken the ticks, the retry
/// publishes them twice; the writer stores a tick once.</para>
/// <para>At most <see cref="DispatchOptions.MaxPendingTicks"/> ticks wait; past that <see cref="WaitForRoomAsync"/>
/// holds the feed's connections back for up to <see cref="DispatchOptions.MaxBackPressureLag"/> behind the exchange,
/// and what arrives while still full is dropped (counted, logged).</para>
/// </remarks>
public sealed partial class GrainTickSink : ITickSink, ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
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
    private Task? pump;
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
        ILogger<GrainTickSink> logger)
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
        var meter = new LaevitasMeter(meterFactory);
        meter.ObserveCounter(LaevitasMetrics.DispatchTicks, () => Interlocked.Read(ref dispatched));
        meter.ObserveCounter(LaevitasMetrics.DispatchDropped, () => Interlocked.Read(ref dropped));
        meter.ObserveCounter(LaevitasMetrics.DispatchFailedCalls, () => Interlocked.Read(ref failedCalls));
        meter.ObserveCounter(LaevitasMetrics.DispatchHeldBack, () => backPressure.HeldBack.TotalSeconds);
        meter.ObserveGauge(LaevitasMetrics.DispatchPending, () => Interlocked.Read(ref pending));
    }

    public DispatchStatus GetStatus() => new(
        Interlocked.Read(ref dispatched), Interlocked.Read(ref pending), Interlocked.Read(ref dropped), Interlocked.Read(ref failedCalls), queues.Count);

    public void OnTick(RawTick tick)
    {
        if (Interlocked.Increment(ref pending) > options.MaxPendingTicks)
        {
            Interlocked.Decrement(ref pending);
            var total = Interlocked.Increment(ref dropped);
            if (dropLog.ShouldLog(out var suppressed))
            {
                LogBacklogFull(logger, tick.InstrumentName, tick.Timestamp, options.MaxPendingTicks, suppressed + 1, total);
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

    public ValueTask WaitForRoomAsync(TimeSpan lag, CancellationToken cancellationToken) => backPressure.WaitForRoomAsync(lag, cancellationToken);

    public void OnInstrumentsListed(IReadOnlyList<InstrumentInfo> instruments)
    {
        if (instruments.Count == 0)
        {
            return;
        }

        var copy = instruments.ToArray();
        _ = Task.Run(() => ApplyListingAsync(copy));
    }

    public void OnInstrumentsDelisted(IReadOnlyList<string> instrumentNames)
    {
        if (instrumentNames.Count == 0)
        {
            return;
        }

        var copy = instrumentNames.ToArray();
        _ = Task.Run(() => ApplyDelistingAsync(copy));
    }

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
        return Task.CompletedTask;
    }

    /// <summary>Runs before grains are deactivated: gives pending ticks <see cref="DispatchOptions.DrainTimeout"/> to reach them.</summary>
    private async Task StopAsync(CancellationToken cancellationToken)
    {
        var deadline = timeProvider.GetTimestamp() + (long)(options.DrainTimeout.TotalSeconds * timeProvider.TimestampFrequency);
        while (Interlocked.Read(ref pending) > 0 && timeProvider.GetTimestamp() < deadline && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), timeProvider, CancellationToken.None);
        }

        var left = Interlocked.Read(ref pending);
        if (left > 0)
        {
            LogUndelivered(logger, left, options.DrainTimeout);
        }

        await stopping.CancelAsync();
        if (pump is not null)
        {
            await pump;
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
                while (allowed-- > 0 && reader.TryRead(out var queue))
                {
                    // Bounded calls in flight: a cold start activates every instrument at once, and each activation
                    // reads its state from the database; unbounded, thousands of reads exhaust the connection pool.
                    // Ticks keep gathering per instrument meanwhile, so the bound costs batches, not throughput.
                    await callSlots.WaitAsync(cancellationToken);
                    Send(queue);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private void Send(InstrumentQueue queue)
    {
        RawTick[] batch;
        lock (queue)
        {
            var count = Math.Min(queue.Ticks.Count, options.MaxBatchSize);
            if (count == 0)
            {
                queue.Scheduled = false;
                callSlots.Release();
                return;
            }

            batch = CollectionsMarshal.AsSpan(queue.Ticks)[..count].ToArray();
            queue.Ticks.RemoveRange(0, count);
        }

        _ = CallAsync(queue, batch);
    }

    private async Task CallAsync(InstrumentQueue queue, RawTick[] batch)
    {
        try
        {
            await queue.Grain.ReceiveTicksAsync(new TickBatch(batch, localSilo));
            Interlocked.Add(ref dispatched, batch.Length);
            Interlocked.Add(ref pending, -batch.Length);
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref failedCalls);
            if (failureLog.ShouldLog(out var suppressed))
            {
                LogCallFailed(logger, ex, batch[0].InstrumentName, batch.Length, options.RetryDelay, suppressed + 1);
            }

            lock (queue)
            {
                queue.Ticks.InsertRange(0, batch);
            }

            await Task.Delay(options.RetryDelay, timeProvider, CancellationToken.None);
        }

        bool more;
        lock (queue)
        {
            more = queue.Ticks.Count > 0;
            queue.Scheduled = more;
        }

        callSlots.Release();
        if (more)
        {
            // Gathered while this call was in flight: back in line, behind instruments that waited for a slot.
            ready.Writer.TryWrite(queue);
        }
    }

    private async Task ApplyListingAsync(InstrumentInfo[] instruments)
    {
        var now = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        try
        {
            var listings = new InstrumentListing[instruments.Length];
            for (var i = 0; i < instruments.Length; i++)
            {
                listings[i] = InstrumentListing.From(instruments[i], now);
            }

            await grainFactory.GetGrain<IInstrumentRegistryGrain>(IInstrumentRegistryGrain.Key).RegisterAsync(listings);
        }
        catch (Exception ex)
        {
            LogRegistryFailed(logger, ex, instruments.Length);
        }

        await Parallel.ForEachAsync(
            instruments,
            new ParallelOptions { MaxDegreeOfParallelism = options.ListingConcurrency },
            async (info, _) =>
            {
                try
                {
                    await grainFactory.GetGrain<IInstrumentGrain>(info.InstrumentName).UpdateInfoAsync(info);
                }
                catch (Exception ex)
                {
                    if (failureLog.ShouldLog(out var suppressed))
                    {
                        LogListingFailed(logger, ex, info.InstrumentName, suppressed + 1);
                    }
                }
            });
        LogListed(logger, instruments.Length);
    }

    private async Task ApplyDelistingAsync(string[] names)
    {
        var now = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        try
        {
            await grainFactory.GetGrain<IInstrumentRegistryGrain>(IInstrumentRegistryGrain.Key).SetStatusAsync(names, InstrumentStatus.Delisted);
        }
        catch (Exception ex)
        {
            LogRegistryFailed(logger, ex, names.Length);
        }

        await Parallel.ForEachAsync(
            names,
            new ParallelOptions { MaxDegreeOfParallelism = options.ListingConcurrency },
            async (name, _) =>
            {
                try
                {
                    await grainFactory.GetGrain<IInstrumentGrain>(name).MarkDelistedAsync(now);
                }
                catch (Exception ex)
                {
                    if (failureLog.ShouldLog(out var suppressed))
                    {
                        LogListingFailed(logger, ex, name, suppressed + 1);
                    }
                }

                // Forget the queue of an instrument that will not tick again, unless ticks are still on their way.
                if (queues.TryGetValue(name, out var queue))
                {
                    lock (queue)
                    {
                        if (!queue.Scheduled)
                        {
                            queues.TryRemove(new KeyValuePair<string, InstrumentQueue>(name, queue));
                        }
                    }
                }
            });
        LogDelisted(logger, names.Length);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{MaxPending} ticks are waiting for instrument grains: dropped tick {Instrument} @ {Timestamp}; {Count} dropped since the last report, {Total} in all")]
    private static partial void LogBacklogFull(ILogger logger, string instrument, long timestamp, int maxPending, long count, long total);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handing {Count} ticks to instrument {Instrument} failed; retrying in {RetryDelay} ({Failures} failures since the last report)")]
    private static partial void LogCallFailed(ILogger logger, Exception exception, string instrument, int count, TimeSpan retryDelay, long failures);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Updating the instrument registry with {Count} instruments failed")]
    private static partial void LogRegistryFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Passing a listing change to instrument {Instrument} failed ({Failures} failures since the last report)")]
    private static partial void LogListingFailed(ILogger logger, Exception exception, string instrument, long failures);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} instruments listed with their grains and the registry")]
    private static partial void LogListed(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} instruments marked delisted")]
    private static partial void LogDelisted(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} ticks had not reached their grains {Timeout} after stopping began and are lost")]
    private static partial void LogUndelivered(ILogger logger, long count, TimeSpan timeout);
}
