using System.Diagnostics;
using Laevitas.Grains.Abstractions.Writing;
using Laevitas.Streaming.Kafka.Providers;
using Npgsql;
using Orleans.Configuration;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Laevitas.Grains.Writing;

/// <summary>
/// What the tick and trade writers share: they store the records of one Kafka partition (key = partition), delivered
/// by a stream provider as <see cref="PartitionBatch"/>es, one call per batch, in offset order. Each record is parsed
/// once into a <typeparamref name="TRow"/>, the batch is written in one transaction, and the call returns only after
/// COMMIT: returning is what lets the provider commit the batch's offsets (invariant 1), so a batch is never held
/// across calls (the receiver already sized it).
/// </summary>
/// <remarks>
/// <para>Database down: the batch is kept and retried with exponential backoff inside the call, for at most
/// <see cref="TickWriterOptions.DeliveryRetryBudget"/> (and never more than half of Orleans' response timeout, so the
/// call cannot time out while the grain still works on it). Then the grain throws
/// <see cref="TickStoreUnavailableException"/>; the pulling agent retries the same batch after a short backoff, forever
/// (the provider sets <c>MaxEventDeliveryTime</c> to infinite), and no offset of the partition advances meanwhile. A
/// late re-delivery of a batch already stored is harmless: the stores skip rows they already hold.</para>
/// <para>Records that can never be stored (empty, no key, a receive time outside 2000..2200, larger than
/// <see cref="TickWriterOptions.MaxTickBytes"/>, not parsable, rows PostgreSQL rejects, or anything that throws while
/// reading one) are set aside to the dead-letter topic with their reason (<see cref="DeadLetterPublisher"/>), counted,
/// and the batch is stored without them: one record is never retried like an outage, so it never stalls its partition
/// (invariant 9). The call returns only once the broker acknowledged what was set aside.</para>
/// <para>A subclass brings only what differs: its store, its parser, its metrics and its log lines.</para>
/// </remarks>
/// <typeparam name="TRow">The row a record is parsed into and the store writes.</typeparam>
/// <param name="parse">Parses one record's value; false (with why) for a value that is not a usable record.</param>
/// <param name="initialCapacity">Rows allocated up front (grown to the largest batch seen).</param>
/// <param name="recordNoun">What a record is, in reasons: "tick", "trade".</param>
/// <param name="partitionLabel">How a partition is named in errors: "Partition", "Trades partition".</param>
public abstract class PartitionWriterGrain<TRow>(
    TickWriterStatus status,
    DeadLetterPublisher deadLetterPublisher,
    TickWriterOptions options,
    SiloMessagingOptions messaging,
    RowParser<TRow> parse,
    int initialCapacity,
    string recordNoun,
    string partitionLabel) : Grain, IStreamSubscriptionObserver, IAsyncObserver<PartitionBatch>
{
    private readonly TimeSpan retryBudget = RetryBudget(options, messaging);

    private TRow[] rows = new TRow[initialCapacity];
    // Index in the batch of the record each row came from, to set aside a row PostgreSQL rejects.
    private int[] recordIndexes = new int[initialCapacity];

    // Records of the parsed batch set aside: the first parsedDeadLetters by Parse, the rest by the last store attempt.
    private readonly List<DeadLetter> deadLetters = [];
    private int parsedDeadLetters;
    private bool deadLettersSetAside;

    // The batch whose records are in rows[..parsedCount]: a re-delivery of it is neither parsed nor counted again.
    private (int Partition, long First, long Next)? parsedBatch;
    private int parsedCount;

    private long rowsWritten;
    private long duplicateRows;
    private long batches;
    private long skipped;
    private long? storedUpTo;
    private string? lastError;

    /// <summary>The Kafka partition this grain stores (its key).</summary>
    protected int Partition { get; private set; }

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Partition = checked((int)this.GetPrimaryKeyLong());
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        await DisposeStoreAsync();

    /// <summary>The stream provider found this grain as the implicit subscriber of its partition's stream.</summary>
    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory)
    {
        var handle = handleFactory.Create<PartitionBatch>();
        await handle.ResumeAsync(this);
    }

    public async Task OnNextAsync(PartitionBatch batch, StreamSequenceToken? token = null)
    {
        var started = Stopwatch.GetTimestamp();
        var count = Parse(batch);
        // Rows an earlier attempt at this batch saw rejected are found again by this one.
        deadLetters.RemoveRange(parsedDeadLetters, deadLetters.Count - parsedDeadLetters);
        var inserted = count == 0 ? 0 : await StoreAsync(batch, count);
        if (!deadLettersSetAside)
        {
            // Before returning: returning lets the receiver commit past these records.
            await deadLetterPublisher.SetAsideAsync(deadLetters);
            deadLettersSetAside = true;
        }

        rowsWritten += inserted;
        duplicateRows += count - inserted;
        batches++;
        storedUpTo = batch.NextOffset;
        ReportBatchStored(status, count, inserted, Stopwatch.GetElapsedTime(started));
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex)
    {
        // The pulling agent reports a batch it gave up on (only when it shuts down mid-retry); the receiver has not
        // committed it, so the queue's next owner delivers it again.
        LogStreamError(ex);
        return Task.CompletedTask;
    }

    public Task<TickWriterPartitionStatus> GetStatusAsync() =>
        Task.FromResult(new TickWriterPartitionStatus(Partition, rowsWritten, duplicateRows, batches, skipped, storedUpTo, lastError));

    /// <summary>Stores the rows in one transaction, reporting each row PostgreSQL rejects; returns the rows inserted.</summary>
    protected abstract Task<int> InsertIsolatingRejectedRowsAsync(ReadOnlyMemory<TRow> rows, Action<int, PostgresException> rejected);

    /// <summary>Drops the store's connection after an error (it may be broken).</summary>
    protected abstract ValueTask ResetStoreAsync();

    protected abstract ValueTask DisposeStoreAsync();

    /// <summary>Counts a stored batch in this writer's metrics.</summary>
    protected abstract void ReportBatchStored(TickWriterStatus status, int count, int inserted, TimeSpan elapsed);

    /// <summary>Logs an error the stream reported (each writer has its own line and logger category).</summary>
    protected abstract void LogStreamError(Exception error);

    private int Parse(PartitionBatch batch)
    {
        if (parsedBatch == (batch.Partition, batch.FirstOffset, batch.NextOffset))
        {
            return parsedCount;
        }

        var records = batch.Ticks;
        if (rows.Length < records.Length)
        {
            rows = new TRow[Math.Max(records.Length, rows.Length * 2)];
            recordIndexes = new int[rows.Length];
        }

        deadLetters.Clear();
        deadLettersSetAside = false;
        var count = 0;
        for (var i = 0; i < records.Length; i++)
        {
            ref readonly var record = ref records[i];
            var payload = record.Payload.Span;
            if (payload.IsEmpty)
            {
                SetAside(batch, record, DeadLetterCause.NotATick, "empty value");
                continue;
            }

            if (string.IsNullOrEmpty(record.Key))
            {
                SetAside(batch, record, DeadLetterCause.EmptyKey, $"no key (a {recordNoun} is keyed by its instrument name)");
                continue;
            }

            if (payload.Length > options.MaxTickBytes)
            {
                SetAside(batch, record, DeadLetterCause.TooLarge, $"value of {payload.Length} bytes, above TickWriter:MaxTickBytes ({options.MaxTickBytes})");
                continue;
            }

            // 0 is "unknown" (no timestamp); anything else outside the exchange-timestamp window is not a receive time
            // (e.g. past year 9999 it cannot even be a DateTime).
            if (record.ReceivedAtMs > TickPayloadParser.MaxTimestampMs || record.ReceivedAtMs is > 0 and < TickPayloadParser.MinTimestampMs)
            {
                SetAside(batch, record, DeadLetterCause.AbsurdTime, $"record timestamp (receive time) {record.ReceivedAtMs} ms is not between 2000 and 2200");
                continue;
            }

            try
            {
                if (!parse(payload, record.ReceivedAtMs, ref rows[count], out var error))
                {
                    SetAside(batch, record, DeadLetterCause.NotATick, error ?? $"unusable {recordNoun}");
                    continue;
                }
            }
            catch (Exception ex)
            {
                // A bug in reading one record: retrying the batch would hit it again, forever.
                SetAside(batch, record, DeadLetterCause.ReadFailed, $"{ex.GetType().Name}: {ex.Message}");
                continue;
            }

            recordIndexes[count] = i;
            count++;
        }

        // Drop references to the previous batch's strings beyond the new count.
        if (parsedCount > count)
        {
            Array.Clear(rows, count, parsedCount - count);
        }

        parsedBatch = (batch.Partition, batch.FirstOffset, batch.NextOffset);
        parsedCount = count;
        parsedDeadLetters = deadLetters.Count;
        return count;
    }

    private async Task<int> StoreAsync(PartitionBatch batch, int count)
    {
        var started = Stopwatch.GetTimestamp();
        var delay = options.RetryMinDelay;
        while (true)
        {
            try
            {
                return await InsertIsolatingRejectedRowsAsync(
                    rows.AsMemory(0, count),
                    (index, rejection) => SetAside(batch, batch.Ticks[recordIndexes[index]], DeadLetterCause.RejectedByDatabase,
                        $"rejected by PostgreSQL: {rejection.SqlState} {rejection.MessageText}"));
            }
            catch (Exception ex)
            {
                // Anything that is not a verdict on the data itself (connection refused, server restarting, admin
                // shutdown, a partition missing, the schema not yet migrated...) is retried: dropping is never right.
                lastError = $"{ex.GetType().Name}: {ex.Message}";
                status.WriteFailed(Partition, ex);
                await ResetStoreAsync();
                if (Stopwatch.GetElapsedTime(started) + delay > retryBudget)
                {
                    throw new TickStoreUnavailableException(
                        $"{partitionLabel} {Partition}: batch {batch.FirstOffset}..{batch.NextOffset} not stored after {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s; " +
                        $"the stream delivers it again. Last error: {ex.Message}");
                }

                await Task.Delay(delay);
                delay = delay * 2 < options.RetryMaxDelay ? delay * 2 : options.RetryMaxDelay;
            }
        }
    }

    // Never more than half of Orleans' response timeout: the call must not time out while the grain still works on it.
    private static TimeSpan RetryBudget(TickWriterOptions options, SiloMessagingOptions messaging)
    {
        var half = messaging.ResponseTimeout / 2;
        return options.DeliveryRetryBudget < half ? options.DeliveryRetryBudget : half;
    }

    private void SetAside(PartitionBatch batch, in KafkaTick record, DeadLetterCause cause, string reason)
    {
        skipped++;
        lastError = reason;
        status.TickSkipped(Partition, record.Offset, record.Key, reason);
        // A copy: the payload lives in a pooled chunk that is reused once this batch is done with.
        var payload = record.Payload.IsEmpty ? null : record.Payload.ToArray();
        deadLetters.Add(new DeadLetter(batch.Topic, batch.Partition, record.Offset, record.Key, record.ReceivedAtMs, payload, cause, reason));
    }
}
