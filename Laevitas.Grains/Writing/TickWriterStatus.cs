using Laevitas.Diagnostics;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Laevitas.Grains.Writing;

/// <summary>
/// Counters, metrics (meter "Laevitas") and outage logging shared by the tick writer grains of a silo. A database
/// outage is logged once when the first write fails and once when writes succeed again, however many writers and
/// retries there are in between; skipped ticks are logged at a bounded rate and summarised.
/// </summary>
public sealed partial class TickWriterStatus
{
    private readonly ILogger<TickWriterStatus> logger;
    private readonly TimeProvider time;
    private readonly int skippedLogsPerMinute;
    private readonly Counter<long> rowsCounter;
    private readonly Counter<long> duplicatesCounter;
    private readonly Counter<long> batchesCounter;
    private readonly Counter<long> errorsCounter;
    private readonly Counter<long> skippedCounter;
    private readonly Counter<long> deadLetteredCounter;
    private readonly Counter<long> tradeRowsCounter;
    private readonly Counter<long> tradeDuplicatesCounter;
    private readonly Histogram<double> batchDuration;
    private readonly Histogram<int> batchSize;
    private readonly Lock gate = new();

    private long rowsWritten;
    private long tradeRowsWritten;
    private long duplicateRows;
    private long batches;
    private long batchTicks;
    private long ticksSkipped;
    private long deadLettered;
    private long writeFailures;
    private int lastBatchTicks;
    private int largestBatchTicks;

    // Outage and error state, under gate (rare path).
    private volatile bool databaseDown;
    private long outageStarted;
    private long outageFailures;
    private string? lastError;
    private DateTimeOffset? lastErrorAt;

    // Skipped-tick log budget, under gate.
    private long skippedWindowStart;
    private int skippedLoggedInWindow;
    private long skippedSuppressedInWindow;

    public TickWriterStatus(IMeterFactory meterFactory, IOptions<TickWriterOptions> options, ILogger<TickWriterStatus> logger, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        this.logger = logger;
        this.time = time ?? TimeProvider.System;
        skippedLogsPerMinute = options.Value.SkippedTickLogsPerMinute;
        var meter = new LaevitasMeter(meterFactory);
        rowsCounter = meter.Counter(LaevitasMetrics.WriterRows);
        duplicatesCounter = meter.Counter(LaevitasMetrics.WriterDuplicates);
        batchesCounter = meter.Counter(LaevitasMetrics.WriterBatches);
        errorsCounter = meter.Counter(LaevitasMetrics.WriterErrors);
        skippedCounter = meter.Counter(LaevitasMetrics.WriterSkipped);
        deadLetteredCounter = meter.Counter(LaevitasMetrics.WriterDeadLettered);
        tradeRowsCounter = meter.Counter(LaevitasMetrics.WriterTradeRows);
        tradeDuplicatesCounter = meter.Counter(LaevitasMetrics.WriterTradeDuplicates);
        batchDuration = meter.Histogram<double>(LaevitasMetrics.WriterBatchDuration);
        batchSize = meter.Histogram<int>(LaevitasMetrics.WriterBatchSize);
        skippedWindowStart = this.time.GetTimestamp();
    }

    /// <summary>A batch was committed.</summary>
    public void BatchStored(int partition, int ticks, int inserted, TimeSpan elapsed)
    {
        Interlocked.Add(ref rowsWritten, inserted);
        Interlocked.Add(ref duplicateRows, ticks - inserted);
        Interlocked.Increment(ref batches);
        Interlocked.Add(ref batchTicks, ticks);
        Volatile.Write(ref lastBatchTicks, ticks);
        AtomicMax.Raise(ref largestBatchTicks, ticks);

        var tags = new TagList { { "partition", partition } };
        rowsCounter.Add(inserted, tags);
        if (ticks > inserted)
        {
            duplicatesCounter.Add(ticks - inserted, tags);
        }

        batchesCounter.Add(1, tags);
        batchDuration.Record(elapsed.TotalMilliseconds, tags);
        batchSize.Record(ticks, tags);

        if (databaseDown)
        {
            Recovered();
        }
    }

    /// <summary>
    /// A batch of trades was committed (<c>deribit_trades</c>). Counted apart from the ticker rows, so that rows/s and the
    /// writer's row totals keep meaning ticks; it shares the outage state, since both tables live in one database.
    /// </summary>
    public void TradeBatchStored(int partition, int trades, int inserted)
    {
        Interlocked.Add(ref tradeRowsWritten, inserted);
        var tags = new TagList { { "partition", partition } };
        tradeRowsCounter.Add(inserted, tags);
        if (trades > inserted)
        {
            tradeDuplicatesCounter.Add(trades - inserted, tags);
        }

        if (databaseDown)
        {
            Recovered();
        }
    }

    /// <summary>A write attempt failed; the caller keeps the batch and retries.</summary>
    public void WriteFailed(int partition, Exception error)
    {
        Interlocked.Increment(ref writeFailures);
        errorsCounter.Add(1, new TagList { { "partition", partition } });
        bool first;
        string? duration = null;
        lock (gate)
        {
            lastError = $"{error.GetType().Name}: {error.Message}";
            lastErrorAt = time.GetUtcNow();
            outageFailures++;
            first = !databaseDown;
            if (first)
            {
                databaseDown = true;
                outageStarted = time.GetTimestamp();
                outageFailures = 1;
            }
            else
            {
                duration = time.GetElapsedTime(outageStarted).ToString("c");
            }
        }

        if (first)
        {
            LogOutage(error, partition, error.Message);
        }
        else
        {
            LogRetry(partition, duration ?? "", error.Message);
        }
    }

    /// <summary>A tick could not be used and is dropped (counted, logged at a bounded rate).</summary>
    public void TickSkipped(int partition, long offset, string? key, string reason)
    {
        Interlocked.Increment(ref ticksSkipped);
        skippedCounter.Add(1, new TagList { { "partition", partition } });
        long suppressed = 0;
        bool log;
        lock (gate)
        {
            lastError = $"skipped tick at {partition}/{offset} ({key}): {reason}";
            lastErrorAt = time.GetUtcNow();
            if (time.GetElapsedTime(skippedWindowStart) >= TimeSpan.FromMinutes(1))
            {
                suppressed = skippedSuppressedInWindow;
                skippedWindowStart = time.GetTimestamp();
                skippedLoggedInWindow = 0;
                skippedSuppressedInWindow = 0;
            }

            log = skippedLoggedInWindow < skippedLogsPerMinute;
            if (log)
            {
                skippedLoggedInWindow++;
            }
            else
            {
                skippedSuppressedInWindow++;
            }
        }

        if (suppressed > 0)
        {
            LogSkippedSuppressed(suppressed);
        }

        if (log)
        {
            LogSkipped(partition, offset, key, reason);
        }
    }

    /// <summary>A record was set aside to the dead-letter topic (the broker acknowledged it).</summary>
    public void DeadLettered(in DeadLetter letter)
    {
        Interlocked.Increment(ref deadLettered);
        deadLetteredCounter.Add(1, new TagList { { "partition", letter.Partition }, { "cause", letter.Cause.ToString() } });
    }

    public TickWriterStatusSnapshot Snapshot()
    {
        var count = Interlocked.Read(ref batches);
        string? error;
        DateTimeOffset? errorAt;
        lock (gate)
        {
            error = lastError;
            errorAt = lastErrorAt;
        }

        return new TickWriterStatusSnapshot(
            Interlocked.Read(ref rowsWritten),
            Interlocked.Read(ref duplicateRows),
            count,
            Interlocked.Read(ref ticksSkipped),
            Interlocked.Read(ref writeFailures),
            !databaseDown,
            error,
            errorAt,
            Volatile.Read(ref lastBatchTicks),
            Volatile.Read(ref largestBatchTicks),
            count == 0 ? 0 : (double)Interlocked.Read(ref batchTicks) / count,
            Interlocked.Read(ref deadLettered))
        {
            TradeRowsWritten = Interlocked.Read(ref tradeRowsWritten),
        };
    }

    private void Recovered()
    {
        TimeSpan duration;
        long failures;
        lock (gate)
        {
            if (!databaseDown)
            {
                return;
            }

            databaseDown = false;
            duration = time.GetElapsedTime(outageStarted);
            failures = outageFailures;
        }

        LogRecovered(duration.TotalSeconds, failures);
    }

    [LoggerMessage(EventId = 2104, Level = LogLevel.Warning, Message = "PostgreSQL writes are failing (first seen on partition {Partition}): {Reason}. " +
                                                      "Tick writers keep their batches and retry; Kafka holds the backlog and no offset is committed past unstored ticks")]
    private partial void LogOutage(Exception error, int partition, string reason);

    [LoggerMessage(EventId = 2105, Level = LogLevel.Debug, Message = "Write retry on partition {Partition} failed, outage for {Duration}: {Reason}")]
    private partial void LogRetry(int partition, string duration, string reason);

    [LoggerMessage(EventId = 2106, Level = LogLevel.Information, Message = "PostgreSQL writes succeed again after {Seconds:0.0} s and {Failures} failed attempts; the backlog is being written")]
    private partial void LogRecovered(double seconds, long failures);

    [LoggerMessage(EventId = 2107, Level = LogLevel.Warning, Message = "Skipped an unusable tick at partition {Partition} offset {Offset} (key {Key}): {Reason}")]
    private partial void LogSkipped(int partition, long offset, string? key, string reason);

    [LoggerMessage(EventId = 2108, Level = LogLevel.Warning, Message = "{Count} more unusable ticks were skipped in the last minute (not logged one by one)")]
    private partial void LogSkippedSuppressed(long count);
}
