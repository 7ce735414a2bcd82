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

    private readonly KafkaOptions kafkaOptions;
    private readonly PublisherOptions options;
    private readonly ILogger<KafkaTickPublisher> logger;
    private readonly TimeProvider timeProvider;
    private readonly Lock gate = new();
    private readonly SemaphoreSlim spoolingStarted = new(0);
    private readonly Action<DeliveryReport<RawTick, byte[]>> deliveryHandler;
    private readonly LogThrottle dropLog;
    private readonly LogThrottle errorLog;
    private readonly int replayLowWatermark;
    private readonly string topic;
    private readonly IProducerQueuePurger? purger;

    private IProducer<RawTick, byte[]>? producer;
    private TickSpool? spool;
    private CancellationTokenSource? stopping;
    private Task? replayLoop;
    private volatile bool spoolingFlag;
    private volatile bool fatalError;
    private volatile ConcurrentQueue<RawTick>? purged;
    private long inFlight;
    private long lastProgressMs = Environment.TickCount64;
    private long published;
    private long spooled;
    private long dropped;
    private long deliveryErrors;
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
        deliveryHandler = OnDelivered;
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
            producer = BuildProducer();
            stopping = new CancellationTokenSource();
            // Leftovers from an earlier run are older than anything this run publishes: they go first.
            spoolingFlag = !spool.IsEmpty;
            var token = stopping.Token;
            replayLoop = Task.Run(() => ReplayLoopAsync(token), CancellationToken.None);
        }

        LogStarted(logger, topic, kafkaOptions.BootstrapServers, spool.DirectoryPath);
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
    /// <see cref="LaggingAfterMs"/>, or the spool is in use. Waiting then would only hold the callers (the instrument
    /// grains, and through them the feed's dispatch) for the length of the outage; the bounded buffer and the spool
    /// are there to absorb it.
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

        if (spoolingFlag || fatalError || now - Volatile.Read(ref lastProgressMs) > LaggingAfterMs)
        {
            foreach (var tick in ticks)
            {
                Publish(tick, tracker: null);
            }

            return Task.CompletedTask;
        }

        var tracker = new DeliveryTracker(ticks.Count, deliveryHandler);
        foreach (var tick in ticks)
        {
            Publish(tick, tracker);
        }

        return tracker.Task;
    }

    private void Publish(RawTick tick, DeliveryTracker? tracker)
    {
        if (!spoolingFlag && TryProduce(tick, tracker))
        {
            return;
        }

        lock (gate)
        {
            var currentSpool = spool ?? throw new InvalidOperationException("The tick publisher has not been started.");
            if (!spoolingFlag)
            {
                // Re-checked under the gate: the replay loop may have just finished.
                if (TryProduce(tick, tracker))
                {
                    return;
                }

                spoolingFlag = true;
                spoolingStarted.Release();
                LogSpoolingStarted(logger, Interlocked.Read(ref inFlight), currentSpool.DirectoryPath);
            }

            if (currentSpool.TryAppend(tick))
            {
                Interlocked.Increment(ref spooled);
                // Written to the spool file: a killed process leaves it for the next start.
                tracker?.Settled();
                return;
            }
        }

        tracker?.Settled();
        Interlocked.Increment(ref dropped);
        if (dropLog.ShouldLog(out var suppressed))
        {
            LogSpoolFull(logger, tick.InstrumentName, tick.Timestamp, options.SpoolMaxBytes, suppressed + 1, Interlocked.Read(ref dropped));
        }
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
            Spooling = spoolingFlag,
            LastError = Volatile.Read(ref lastError),
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
            remaining = await Task.Run(() => TakeBackIntoSpool(currentProducer, remaining), CancellationToken.None).ConfigureAwait(false);
        }

        if (remaining > 0)
        {
            // Nothing could take them back: they are lost with the producer. Say so loudly and count them.
            Interlocked.Add(ref dropped, remaining);
            LogLostAtShutdown(logger, remaining, options.ShutdownFlushTimeout);
        }

        lock (gate)
        {
            currentProducer.Dispose();
            producer = null;
            spool!.Dispose();
            LogStopped(logger, spool.PendingRecords, Interlocked.Read(ref published), Interlocked.Read(ref dropped));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        spoolingStarted.Dispose();
    }

    /// <summary>
    /// The broker did not take everything before shutdown: purge the producer's queue (the purged messages come
    /// back through the delivery handler) and put those ticks in front of the spool, where the next start finds
    /// them first. Returns how many ticks are still unaccounted for.
    /// </summary>
    private int TakeBackIntoSpool(IProducer<RawTick, byte[]> currentProducer, int remaining)
    {
        if (purger is null)
        {
            return remaining;
        }

        var taken = new ConcurrentQueue<RawTick>();
        purged = taken;
        if (!purger.TryPurge(currentProducer))
        {
            purged = null;
            return remaining;
        }

        // Serves the delivery reports of the purged messages.
        var left = currentProducer.Flush(TimeSpan.FromSeconds(5));
        purged = null;
        var ticks = taken.ToList();
        // Reports of different partitions interleave, and in-flight and queued messages of one partition may be
        // reported in either order; exchange timestamps restore each instrument's order (stable for equal ones).
        var ordered = ticks.Select((tick, index) => (tick, index))
            .OrderBy(x => x.tick.InstrumentName, StringComparer.Ordinal)
            .ThenBy(x => x.tick.Timestamp)
            .ThenBy(x => x.index)
            .Select(x => x.tick)
            .ToList();
        spool!.PrependAndSync(ordered);
        Interlocked.Add(ref spooled, ordered.Count);
        LogTakenBack(logger, ordered.Count, spool.DirectoryPath);
        return Math.Max(left, remaining - ordered.Count);
    }

    private bool TryProduce(RawTick tick, DeliveryTracker? tracker = null)
    {
        var currentProducer = producer;
        if (currentProducer is null || fatalError)
        {
            return false;
        }

        var message = new Message<RawTick, byte[]>
        {
            // The tick itself is the key (serialized as its instrument name): librdkafka hands it back in the
            // delivery report, which is how ticks taken back from the producer at shutdown are recovered.
            Key = tick,
            Value = tick.Payload,
            Timestamp = TickRecord.TimestampFor(tick.ReceivedAtMs),
        };

        Interlocked.Increment(ref inFlight);
        try
        {
            currentProducer.Produce(topic, message, tracker?.Handler ?? deliveryHandler);
            return true;
        }
        catch (ProduceException<RawTick, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
        {
            Interlocked.Decrement(ref inFlight);
            return false;
        }
        catch (KafkaException ex)
        {
            // Anything else (fatal producer state, client closing): keep the tick — the spool takes it.
            Interlocked.Decrement(ref inFlight);
            RecordError(ex.Error);
            return false;
        }
        catch (ObjectDisposedException)
        {
            Interlocked.Decrement(ref inFlight);
            return false;
        }
    }

    private void OnDelivered(DeliveryReport<RawTick, byte[]> report)
    {
        Interlocked.Decrement(ref inFlight);
        if (report.Error.Code == ErrorCode.NoError)
        {
            Volatile.Write(ref lastProgressMs, Environment.TickCount64);
            Interlocked.Increment(ref published);
            return;
        }

        if (report.Error.Code is ErrorCode.Local_PurgeQueue or ErrorCode.Local_PurgeInflight && purged is { } taken)
        {
            // Taken back at shutdown: the tick goes to the spool, not to the error count.
            taken.Enqueue(report.Message.Key);
            return;
        }

        // With no message timeout and an idempotent producer, librdkafka retries everything retriable itself;
        // what reaches here is permanent (message too large, topic gone, authorization, fatal producer state).
        Interlocked.Increment(ref deliveryErrors);
        Interlocked.Increment(ref dropped);
        RecordError(report.Error);
        if (errorLog.ShouldLog(out var suppressed))
        {
            LogDeliveryFailed(logger, report.Message.Key?.InstrumentName, report.Error.Code, report.Error.Reason, suppressed + 1);
        }
    }

    private async Task ReplayLoopAsync(CancellationToken cancellationToken)
    {
        var batch = new List<RawTick>(options.ReplayBatchSize);
        var next = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (!spoolingFlag)
                {
                    await spoolingStarted.WaitAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (fatalError)
                {
                    RecreateProducer();
                }

                if (next >= batch.Count)
                {
                    batch.Clear();
                    next = 0;
                    if (Interlocked.Read(ref inFlight) > replayLowWatermark)
                    {
                        await Task.Delay(ReplayPollInterval, timeProvider, cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    spool!.ReadBatch(batch, options.ReplayBatchSize);
                    if (batch.Count == 0)
                    {
                        lock (gate)
                        {
                            // Appends happen under the gate too, so "empty" here means no tick is left behind.
                            if (spool.IsEmpty)
                            {
                                spoolingFlag = false;
                                LogSpoolReplayed(logger, Interlocked.Read(ref spooled));
                            }
                        }

                        continue;
                    }
                }

                while (next < batch.Count && TryProduce(batch[next]))
                {
                    next++;
                }

                if (next < batch.Count)
                {
                    // The producer's queue is full again: let deliveries make room.
                    await Task.Delay(ReplayPollInterval, timeProvider, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogReplayFailed(logger, ex);
        }

        if (next < batch.Count)
        {
            // Read from the spool but not handed over: they are older than everything still in the spool.
            spool!.PrependAndSync(batch.GetRange(next, batch.Count - next));
        }
    }

    private IProducer<RawTick, byte[]> BuildProducer()
    {
        var config = KafkaClientConfigs.Producer(kafkaOptions, $"laevitas-publisher-{Environment.MachineName}");
        config.QueueBufferingMaxMessages = options.BufferMaxMessages;
        config.QueueBufferingMaxKbytes = options.BufferMaxKBytes;
        // Level one waits for the broker as long as it takes; the bound is on size, not on time.
        config.MessageTimeoutMs = 0;
        // A topic missing from the broker's metadata (not yet provisioned) would otherwise fail every tick after
        // 30 s; let them wait, like for an unreachable broker, for up to librdkafka's maximum of an hour.
        config.TopicMetadataPropagationMaxMs = 3_600_000;
        // Only the delivery outcome is needed back, not the key/value/timestamp copies.
        config.DeliveryReportFields = "key";
        return new ProducerBuilder<RawTick, byte[]>(config)
            .SetKeySerializer(InstrumentNameKeySerializer.Instance)
            .SetErrorHandler((_, error) => OnClientError(error))
            .SetLogHandler((_, message) => LogClient(logger, message.Level.ToString(), message.Facility, message.Message))
            .Build();
    }

    private void RecreateProducer()
    {
        IProducer<RawTick, byte[]>? old;
        lock (gate)
        {
            old = producer;
            producer = BuildProducer();
            fatalError = false;
        }

        LogProducerRecreated(logger);
        // Whatever the failed producer still held is reported through its delivery handler as errors.
        old?.Dispose();
    }

    private void OnClientError(Error error)
    {
        RecordError(error);
        if (error.IsFatal)
        {
            fatalError = true;
            lock (gate)
            {
                // New ticks go to the spool; the replay loop replaces the producer.
                if (!spoolingFlag)
                {
                    spoolingFlag = true;
                    spoolingStarted.Release();
                }
            }
        }

        if (errorLog.ShouldLog(out var suppressed))
        {
            LogClientError(logger, error.Code, error.Reason, error.IsFatal, suppressed + 1);
        }
    }

    private void RecordError(Error error)
    {
        Volatile.Write(ref lastError, $"{error.Code}: {error.Reason}");
        Interlocked.Exchange(ref lastErrorAtMs, timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
    }

    private void CreateInstruments(LaevitasMeter meter)
    {
        meter.ObserveCounter(LaevitasMetrics.PublishPublished, () => Interlocked.Read(ref published));
        meter.ObserveCounter(LaevitasMetrics.PublishSpooled, () => Interlocked.Read(ref spooled));
        meter.ObserveCounter(LaevitasMetrics.PublishDropped, () => Interlocked.Read(ref dropped));
        meter.ObserveCounter(LaevitasMetrics.PublishDeliveryErrors, () => Interlocked.Read(ref deliveryErrors));
        meter.ObserveGauge(LaevitasMetrics.PublishBuffered, () => Math.Max(0, Interlocked.Read(ref inFlight)));
        meter.ObserveGauge(LaevitasMetrics.PublishSpoolPending, () => spool?.PendingRecords ?? 0);
        meter.ObserveGauge(LaevitasMetrics.PublishSpoolBytes, () => spool?.PendingBytes ?? 0);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Publishing ticks to Kafka topic {Topic} at {BootstrapServers}; spool in {SpoolDirectory}")]
    private static partial void LogStarted(ILogger logger, string topic, string bootstrapServers, string spoolDirectory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka producer queue is full ({Buffered} ticks waiting for the broker); new ticks go to the disk spool in {SpoolDirectory}")]
    private static partial void LogSpoolingStarted(ILogger logger, long buffered, string spoolDirectory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Disk spool replayed; ticks go straight to the producer again ({Spooled} spooled since start)")]
    private static partial void LogSpoolReplayed(ILogger logger, long spooled);

    [LoggerMessage(Level = LogLevel.Error, Message = "Tick spool is full ({SpoolMaxBytes} bytes): dropped tick {Instrument} @ {Timestamp}; {Count} dropped since the last report, {Total} in all")]
    private static partial void LogSpoolFull(ILogger logger, string instrument, long timestamp, long spoolMaxBytes, long count, long total);

    [LoggerMessage(Level = LogLevel.Error, Message = "Kafka rejected tick of {Instrument}: {Code} {Reason}; {Count} failures since the last report")]
    private static partial void LogDeliveryFailed(ILogger logger, string? instrument, ErrorCode code, string reason, long count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka client error {Code}: {Reason} (fatal: {Fatal}); {Count} errors since the last report")]
    private static partial void LogClientError(ILogger logger, ErrorCode code, string reason, bool fatal, long count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka producer replaced after a fatal error")]
    private static partial void LogProducerRecreated(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Tick spool replay failed; spooled ticks stay on disk")]
    private static partial void LogReplayFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} ticks were still waiting for the broker after {Timeout} at shutdown and are lost")]
    private static partial void LogLostAtShutdown(ILogger logger, int count, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} ticks the broker had not acknowledged at shutdown were taken back into the spool in {SpoolDirectory}; they are published first on the next start")]
    private static partial void LogTakenBack(ILogger logger, int count, string spoolDirectory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tick publisher stopped: {SpoolPending} ticks left in the spool, {Published} published, {Dropped} dropped")]
    private static partial void LogStopped(ILogger logger, long spoolPending, long published, long dropped);

    [LoggerMessage(Level = LogLevel.Debug, Message = "librdkafka {Level} {Facility}: {Message}")]
    private static partial void LogClient(ILogger logger, string level, string facility, string message);
}
