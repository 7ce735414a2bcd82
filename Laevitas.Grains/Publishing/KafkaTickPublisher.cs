using Laevitas.Streaming.Kafka.Native;
using Laevitas.Diagnostics;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Laevitas.Grains.Abstractions.Ticks;
using Laevitas.Streaming.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ErrorCode = Confluent.Kafka.ErrorCode;

namespace Laevitas.Grains.Publishing;

/// <summary>
/// Publishes ticks to <see cref="KafkaOptions.Topic"/> in the <see cref="TickRecord"/> format (key = instrument name,
/// value = payload unchanged, timestamp = when the silo read the tick) with one idempotent, batching, compressing
/// producer per silo.
/// </summary>
/// <remarks>
/// <para>Buffer levels. (1) The producer's own queue, bounded by <see cref="PublisherOptions.BufferMaxMessages"/>
/// and <see cref="PublisherOptions.BufferMaxKBytes"/>, with no message timeout: while the broker is away ticks
/// simply wait there, and librdkafka delivers them in order when it returns. (2) When that queue is full, the
/// disk <see cref="TickSpool"/>. From the first spooled tick on, every new tick goes behind the spool — never
/// straight to the producer — until a background loop has replayed the spool completely; that is what keeps
/// each instrument's ticks in order. (3) Past the spool's bound, ticks are dropped, counted and logged.</para>
/// <para><see cref="Publish"/> takes no lock while the spool is unused: it is one <c>Produce</c> call into
/// librdkafka's queue (no flush, no waiting for the broker).</para>
/// </remarks>
public sealed partial class KafkaTickPublisher : ITickPublisher, IAsyncDisposable
{
    private static readonly TimeSpan ReplayPollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>No acknowledgement for this long while messages are outstanding: the broker is slow or away.</summary>
    private const long LaggingAfterMs = 1_000;

    /// <summary>
    /// How often the replay loop, while nothing is spooled, looks for callers waiting on a silent broker. A publish
    /// notices the silence too, but when the traffic stops no publish comes, and the last calls would be answered
    /// (after the grain's bounded wait) with their ticks only in memory.
    /// </summary>
    private static readonly TimeSpan SilenceCheckInterval = TimeSpan.FromMilliseconds(250);

    private readonly KafkaOptions kafkaOptions;
    private readonly PublisherOptions options;
    private readonly ILogger<KafkaTickPublisher> logger;
    private readonly TimeProvider timeProvider;
    private readonly Lock gate = new();
    private readonly SemaphoreSlim spoolingStarted = new(0);
    private readonly Action<DeliveryReport<RawTick, byte[]>> deliveryHandler;
    private readonly Action<DeliveryReport<RawTick, byte[]>, DeliveryTracker> trackedDeliveryHandler;
    private readonly LogThrottle dropLog;
    private readonly LogThrottle errorLog;
    private readonly int replayLowWatermark;
    private readonly string topic;
    private readonly IProducerQueuePurger? purger;

    private IProducer<RawTick, byte[]>? producer;
    private TickSpool? spool;
    private SpoolGroupCommit? groupCommit;
    private CancellationTokenSource? stopping;
    private Task? replayLoop;
    private volatile bool spoolingFlag;
    private volatile bool fatalError;
    private volatile ConcurrentQueue<(RawTick Tick, DeliveryTracker? Tracker)>? purged;
    private volatile bool takeBackRequested;
    private long inFlight;
    /// <summary>Messages in the producer whose caller waits for them (not replayed from the spool): only these are not on disk yet.</summary>
    private long awaitedInFlight;
    private long lastProgressMs = Environment.TickCount64;
    private long published;
    private long spooled;
    private long dropped;
    private long deliveryErrors;
    private long rejected;
    private string? lastError;
    private long lastErrorAtMs;

    public KafkaTickPublisher(
        IOptions<KafkaOptions> kafkaOptions,
        IOptions<PublisherOptions> options,
        IMeterFactory meterFactory,
        TimeProvider timeProvider,
        ILogger<KafkaTickPublisher> logger,
        IProducerQueuePurger? purger = null)
    {
        this.purger = purger;
        this.kafkaOptions = kafkaOptions.Value;
        this.options = options.Value;
        this.logger = logger;
        this.timeProvider = timeProvider;
        topic = this.kafkaOptions.Topic;
        deliveryHandler = report => OnDelivered(report, null);
        trackedDeliveryHandler = OnDelivered;
        dropLog = new LogThrottle(TimeSpan.FromSeconds(10), timeProvider);
        errorLog = new LogThrottle(TimeSpan.FromSeconds(10), timeProvider);
        // Replay refills the producer's queue once it has drained to half: the queue stays busy, never overfull.
        replayLowWatermark = Math.Max(1, this.options.BufferMaxMessages / 2);
        CreateInstruments(new LaevitasMeter(meterFactory));
    }

    /// <summary>The directory the spool lives in.</summary>
    public string SpoolDirectory => spool?.DirectoryPath ?? Path.GetFullPath(options.SpoolDirectory);

    /// <summary>Opens the spool (picking up what an earlier run left), creates the producer, starts the replay loop.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (producer is not null)
            {
                return Task.CompletedTask;
            }

            spool = new TickSpool(options.SpoolDirectory, options.SpoolMaxBytes, options.SpoolSegmentBytes, logger);
            groupCommit = new SpoolGroupCommit(spool);
            producer = BuildProducer();
            stopping = new CancellationTokenSource();
            // Leftovers from an earlier run are older than anything this run publishes: they go first.
            spoolingFlag = !spool.IsEmpty;
            var token = stopping.Token;
            replayLoop = Task.Run(() => ReplayLoopAsync(token), CancellationToken.None);
        }

        PublisherLog.Started(logger, topic, kafkaOptions.BootstrapServers, spool.DirectoryPath);
        return Task.CompletedTask;
    }

    public void Publish(RawTick tick)
    {
        ArgumentNullException.ThrowIfNull(tick);
        Publish(tick, tracker: null);
    }

    /// <inheritdoc />
    /// <remarks>
    /// The broker counts as slow or away when something has been waiting for an acknowledgement for more than
    /// <see cref="LaggingAfterMs"/>, or the spool is in use. Waiting for the broker then would hold the callers (the
    /// instrument grains, and through them the feed's dispatch) for the length of the outage, and answering with the
    /// ticks only in the producer's memory would call safe what a killed process loses (invariant 12): the ticks go
    /// behind the spool instead, and the call completes once they are fsynced there (<see cref="SpoolGroupCommit"/>:
    /// one fsync for every call that waited while the previous one ran).
    /// </remarks>
    public Task PublishAsync(IReadOnlyList<RawTick> ticks)
    {
        ArgumentNullException.ThrowIfNull(ticks);
        if (ticks.Count == 0)
        {
            return Task.CompletedTask;
        }

        var now = Environment.TickCount64;
        if (Interlocked.Read(ref inFlight) <= 0)
        {
            // Nothing outstanding: the broker is keeping up, whenever it last acknowledged something.
            Volatile.Write(ref lastProgressMs, now);
        }

        var lagging = now - Volatile.Read(ref lastProgressMs) > LaggingAfterMs;
        var toSpool = spoolingFlag || fatalError || lagging;
        var tracker = new DeliveryTracker(ticks.Count, trackedDeliveryHandler);
        var spooledHere = 0;
        foreach (var tick in ticks)
        {
            if (Publish(tick, tracker, toSpool, lagging))
            {
                spooledHere++;
            }
        }

        if (spooledHere > 0)
        {
            SettleWhenSynced(tracker, spooledHere);
        }

        return tracker.Task;
    }

    /// <summary>Something is outstanding and the broker has acknowledged nothing for <see cref="LaggingAfterMs"/>.</summary>
    private bool BrokerSilent() =>
        Interlocked.Read(ref inFlight) > 0 && Environment.TickCount64 - Volatile.Read(ref lastProgressMs) > LaggingAfterMs;

    private void SettleWhenSynced(DeliveryTracker tracker, int count)
    {
        var sync = groupCommit ?? throw new InvalidOperationException("The tick publisher has not been started.");
        sync.SyncAsync().ContinueWith(
            (task, state) =>
            {
                var (t, n) = ((DeliveryTracker, int))state!;
                if (task.Exception is { } error)
                {
                    t.Fail(error.GetBaseException());
                }
                else
                {
                    t.Settled(n);
                }
            },
            (tracker, count),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>
    /// Publishes or spools one tick. True when it was appended to the spool for a <paramref name="tracker"/> that
    /// the caller settles after the spool's fsync; otherwise the tick is settled here (queued in the producer with
    /// the tracker's handler, rejected, or dropped).
    /// </summary>
    private bool Publish(RawTick tick, DeliveryTracker? tracker, bool toSpool = false, bool lagging = false)
    {
        if (tick.Payload.Length > options.MaxTickBytes)
        {
            // Never into the spool either: it could never leave it, and every later tick would wait behind it.
            RejectOversized(tick, tracker);
            return false;
        }

        if (!toSpool && !spoolingFlag && TryProduce(tick, tracker))
        {
            return false;
        }

        lock (gate)
        {
            var currentSpool = spool ?? throw new InvalidOperationException("The tick publisher has not been started.");
            if (!spoolingFlag)
            {
                // Re-checked under the gate: the replay loop may have just finished.
                if (!toSpool && TryProduce(tick, tracker))
                {
                    return false;
                }

                spoolingFlag = true;
                spoolingStarted.Release();
                if (lagging)
                {
                    PublisherLog.SpoolingForLag(logger, LaggingAfterMs, Interlocked.Read(ref inFlight), currentSpool.DirectoryPath);
                    // What waits in the producer's memory would be lost with this process, yet its callers are
                    // answered after a bounded wait: the replay loop moves it into the spool (TakeBackProducerQueue).
                    // Only when callers' ticks are there: records replayed from the spool are on disk already, and
                    // taking them back again each time the spool runs dry during a long silence would re-send them
                    // every second (seen: a paused broker flooded with copies until its retention deleted unread ones).
                    takeBackRequested = purger is not null && Interlocked.Read(ref awaitedInFlight) > 0;
                }
                else
                {
                    PublisherLog.SpoolingStarted(logger, Interlocked.Read(ref inFlight), currentSpool.DirectoryPath);
                }
            }

            if (currentSpool.TryAppend(tick))
            {
                Interlocked.Increment(ref spooled);
                // Safe only once fsynced: a caller that waits is answered after the group commit.
                return tracker is not null;
            }
        }

        tracker?.Settled();
        Interlocked.Increment(ref dropped);
        if (dropLog.ShouldLog(out var suppressed))
        {
            if (spool?.LastWriteError is { } diskError)
            {
                RecordError(new Error(ErrorCode.Local_Fail, $"spool: {diskError}"));
                PublisherLog.SpoolWriteFailed(logger, tick.InstrumentName, tick.Timestamp, diskError, suppressed + 1, Interlocked.Read(ref dropped));
            }
            else
            {
                PublisherLog.SpoolFull(logger, tick.InstrumentName, tick.Timestamp, options.SpoolMaxBytes, suppressed + 1, Interlocked.Read(ref dropped));
            }
        }

        return false;
    }

    public PublisherStatus GetStatus()
    {
        var errorAt = Interlocked.Read(ref lastErrorAtMs);
        return new PublisherStatus
        {
            Published = Interlocked.Read(ref published),
            Buffered = Math.Max(0, Interlocked.Read(ref inFlight)),
            SpoolPending = spool?.PendingRecords ?? 0,
            SpoolPendingBytes = spool?.PendingBytes ?? 0,
            Spooled = Interlocked.Read(ref spooled),
            Dropped = Interlocked.Read(ref dropped),
            DeliveryErrors = Interlocked.Read(ref deliveryErrors),
            Rejected = Interlocked.Read(ref rejected),
            Spooling = spoolingFlag,
            LastError = Volatile.Read(ref lastError),
            SpoolWriteError = spool?.LastWriteError,
            LastErrorAt = errorAt == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(errorAt),
        };
    }

    /// <summary>
    /// Stops replaying, gives the producer <see cref="PublisherOptions.ShutdownFlushTimeout"/> to deliver what it
    /// holds, and closes the spool (what is in it stays on disk for the next start).
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        CancellationTokenSource? cts;
        Task? loop;
        lock (gate)
        {
            cts = stopping;
            loop = replayLoop;
            stopping = null;
            replayLoop = null;
        }

        if (cts is null)
        {
            return;
        }

        await cts.CancelAsync();
        if (loop is not null)
        {
            await loop.ConfigureAwait(false);
        }

        cts.Dispose();
        var currentProducer = producer!;
        var remaining = await Task.Run(() => currentProducer.Flush(options.ShutdownFlushTimeout), CancellationToken.None).ConfigureAwait(false);
        if (remaining > 0)
        {
            remaining = await Task.Run(() => TakeBackIntoSpool(currentProducer, remaining, atShutdown: true), CancellationToken.None).ConfigureAwait(false);
        }

        if (remaining > 0)
        {
            // Nothing could take them back: they are lost with the producer. Say so loudly and count them.
            Interlocked.Add(ref dropped, remaining);
            PublisherLog.LostAtShutdown(logger, remaining, options.ShutdownFlushTimeout);
        }

        lock (gate)
        {
            currentProducer.Dispose();
            producer = null;
            spool!.Dispose();
            PublisherLog.Stopped(logger, topic, spool.PendingRecords, Interlocked.Read(ref published), Interlocked.Read(ref dropped));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        spoolingStarted.Dispose();
    }

    private void CreateInstruments(LaevitasMeter meter)
    {
        // Tagged with the topic: the silo runs one publisher per topic (ticks, trades) on the same meter.
        var tag = new KeyValuePair<string, object?>("topic", topic);
        meter.ObserveCounter(LaevitasMetrics.PublishPublished, () => Interlocked.Read(ref published), tag);
        meter.ObserveCounter(LaevitasMetrics.PublishSpooled, () => Interlocked.Read(ref spooled), tag);
        meter.ObserveCounter(LaevitasMetrics.PublishDropped, () => Interlocked.Read(ref dropped), tag);
        meter.ObserveCounter(LaevitasMetrics.PublishDeliveryErrors, () => Interlocked.Read(ref deliveryErrors), tag);
        meter.ObserveCounter(LaevitasMetrics.PublishRejected, () => Interlocked.Read(ref rejected), tag);
        meter.ObserveGauge(LaevitasMetrics.PublishBuffered, () => Math.Max(0, Interlocked.Read(ref inFlight)), tag);
        meter.ObserveGauge(LaevitasMetrics.PublishSpoolPending, () => spool?.PendingRecords ?? 0, tag);
        meter.ObserveGauge(LaevitasMetrics.PublishSpoolBytes, () => spool?.PendingBytes ?? 0, tag);
    }
}
