using System.Diagnostics;
using Laevitas.Grains.Abstractions.Hosting;
using Laevitas.Grains.Abstractions.Writing;
using Laevitas.Grains.Storage;
using Laevitas.Streaming.Kafka.Providers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Placement;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Laevitas.Grains.Writing;

/// <summary>
/// Stores the ticks of one Kafka partition (key = partition) in <c>deribit_prices</c>. The Kafka stream provider
/// delivers the partition's records as <see cref="PartitionBatch"/>es, one call per batch, in offset order; this grain
/// parses and enriches every tick once, writes the batch in one transaction (binary COPY + insert that skips rows
/// already stored), and returns only after COMMIT. Returning is what lets the provider commit the batch's offsets
/// (invariant 1), so a batch is never held across calls: the receiver already sized it (ticks, bytes, wait).
/// </summary>
/// <remarks>
/// <para>Database down: the batch is kept and retried with exponential backoff inside the call, for at most
/// <see cref="TickWriterOptions.DeliveryRetryBudget"/> (and never more than half of Orleans' response timeout, so the
/// call cannot time out while the grain still works on it). Then the grain throws
/// <see cref="TickStoreUnavailableException"/>; the pulling agent retries the same batch after a short backoff, forever
/// (the provider sets <c>MaxEventDeliveryTime</c> to infinite), and no offset of the partition advances meanwhile. A
/// late re-delivery of a batch already stored is harmless: rows are keyed by (instrument_name, timestamp).</para>
/// <para>Records that can never be stored (not JSON, not a ticker, no key, a receive time outside 2000..2200, larger
/// than <see cref="TickWriterOptions.MaxTickBytes"/>, rows PostgreSQL rejects, or anything that throws while reading
/// one) are set aside to the dead-letter topic with their reason (<see cref="DeadLetterPublisher"/>), counted, logged
/// at a bounded rate, and the batch is stored without them: one record is never retried like an outage, so it never
/// stalls its partition (invariant 9). The call returns only once the broker acknowledged what was set aside.</para>
/// <para>Placed on the silo that delivers to it (the one reading the partition) so batches do not cross the network.</para>
/// </remarks>
[ImplicitStreamSubscription(ProviderNames.TickStreamNamespace)]
[PreferLocalPlacement]
public sealed partial class TickWriterGrain : Grain, ITickWriterGrain, IStreamSubscriptionObserver, IAsyncObserver<PartitionBatch>
{
    private readonly TickWriterStatus status;
    private readonly TickWriterOptions options;
    private readonly TimeSpan retryBudget;
    private readonly ILogger<TickWriterGrain> logger;
    private readonly DeribitPricesStore store;
    private readonly DeadLetterPublisher deadLetterPublisher;

    private int partition;
    private DeribitPriceRow[] rows = new DeribitPriceRow[256];
    // Index in the batch of the tick each row came from, to set aside a row PostgreSQL rejects.
    private int[] tickIndexes = new int[256];

    // Records of the parsed batch set aside: the first parsedDeadLetters by Parse, the rest by the last store attempt.
    private readonly List<DeadLetter> deadLetters = [];
    private int parsedDeadLetters;
    private bool deadLettersSetAside;

    // The batch whose ticks are in rows[..parsedCount]: a re-delivery of it is neither parsed nor counted again.
    private (int Partition, long First, long Next)? parsedBatch;
    private int parsedCount;

    private long rowsWritten;
    private long duplicateRows;
    private long batches;
    private long ticksSkipped;
    private long? storedUpTo;
    private string? lastError;

    public TickWriterGrain(
        NpgsqlDataSource dataSource,
        DeribitPricePartitions partitions,
        TickWriterStatus status,
        DeadLetterPublisher deadLetterPublisher,
        IOptions<TickWriterOptions> options,
        IOptions<SiloMessagingOptions> messaging,
        ILogger<TickWriterGrain> logger)
    {
        this.status = status;
        this.deadLetterPublisher = deadLetterPublisher;
        this.options = options.Value;
        this.logger = logger;
        store = new DeribitPricesStore(dataSource, partitions);
        var half = messaging.Value.ResponseTimeout / 2;
        retryBudget = this.options.DeliveryRetryBudget < half ? this.options.DeliveryRetryBudget : half;
    }

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        partition = checked((int)this.GetPrimaryKeyLong());
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        await store.DisposeAsync();

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
        status.BatchStored(partition, count, inserted, Stopwatch.GetElapsedTime(started));
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex)
    {
        // The pulling agent reports a batch it gave up on (only when it shuts down mid-retry); the receiver has not
        // committed it, so the queue's next owner delivers it again.
        LogStreamError(ex, partition);
        return Task.CompletedTask;
    }

    public Task<TickWriterPartitionStatus> GetStatusAsync() =>
        Task.FromResult(new TickWriterPartitionStatus(partition, rowsWritten, duplicateRows, batches, ticksSkipped, storedUpTo, lastError));

    private int Parse(PartitionBatch batch)
    {
        if (parsedBatch == (batch.Partition, batch.FirstOffset, batch.NextOffset))
        {
            return parsedCount;
        }

        var ticks = batch.Ticks;
        if (rows.Length < ticks.Length)
        {
            rows = new DeribitPriceRow[Math.Max(ticks.Length, rows.Length * 2)];
            tickIndexes = new int[rows.Length];
        }

        deadLetters.Clear();
        deadLettersSetAside = false;
        var count = 0;
        for (var i = 0; i < ticks.Length; i++)
        {
            ref readonly var tick = ref ticks[i];
            if (tick.Payload is not { Length: > 0 } payload)
            {
                SetAside(batch, tick, DeadLetterCause.NotATick, "empty value");
                continue;
            }

            if (string.IsNullOrEmpty(tick.Key))
            {
                SetAside(batch, tick, DeadLetterCause.EmptyKey, "no key (a tick is keyed by its instrument name)");
                continue;
            }

            if (payload.Length > options.MaxTickBytes)
            {
                SetAside(batch, tick, DeadLetterCause.TooLarge, $"value of {payload.Length} bytes, above TickWriter:MaxTickBytes ({options.MaxTickBytes})");
                continue;
            }

            // 0 is "unknown" (no timestamp); anything else outside the exchange-timestamp window is not a receive time
            // (e.g. past year 9999 it cannot even be a DateTime).
            if (tick.ReceivedAtMs > TickPayloadParser.MaxTimestampMs || tick.ReceivedAtMs is > 0 and < TickPayloadParser.MinTimestampMs)
            {
                SetAside(batch, tick, DeadLetterCause.AbsurdTime, $"record timestamp (receive time) {tick.ReceivedAtMs} ms is not between 2000 and 2200");
                continue;
            }

            try
            {
                if (!TickPayloadParser.TryParse(payload, tick.ReceivedAtMs, ref rows[count], out var error))
                {
                    SetAside(batch, tick, DeadLetterCause.NotATick, error ?? "unusable tick");
                    continue;
                }
            }
            catch (Exception ex)
            {
                // A bug in reading one record: retrying the batch would hit it again, forever.
                SetAside(batch, tick, DeadLetterCause.ReadFailed, $"{ex.GetType().Name}: {ex.Message}");
                continue;
            }

            tickIndexes[count] = i;
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
                return await store.InsertIsolatingRejectedRowsAsync(
                    rows.AsMemory(0, count),
                    (index, rejection) => SetAside(batch, batch.Ticks[tickIndexes[index]], DeadLetterCause.RejectedByDatabase,
                        $"rejected by PostgreSQL: {rejection.SqlState} {rejection.MessageText}"));
            }
            catch (Exception ex)
            {
                // Anything that is not a verdict on the data itself (connection refused, server restarting, admin
                // shutdown, a partition missing, the schema not yet migrated...) is retried: dropping is never right.
                lastError = $"{ex.GetType().Name}: {ex.Message}";
                status.WriteFailed(partition, ex);
                await store.ResetAsync();
                if (Stopwatch.GetElapsedTime(started) + delay > retryBudget)
                {
                    throw new TickStoreUnavailableException(
                        $"Partition {partition}: batch {batch.FirstOffset}..{batch.NextOffset} not stored after {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s; " +
                        $"the stream delivers it again. Last error: {ex.Message}");
                }

                await Task.Delay(delay);
                delay = delay * 2 < options.RetryMaxDelay ? delay * 2 : options.RetryMaxDelay;
            }
        }
    }

    private void SetAside(PartitionBatch batch, in KafkaTick tick, DeadLetterCause cause, string reason)
    {
        ticksSkipped++;
        lastError = reason;
        status.TickSkipped(partition, tick.Offset, tick.Key, reason);
        deadLetters.Add(new DeadLetter(batch.Topic, batch.Partition, tick.Offset, tick.Key, tick.ReceivedAtMs, tick.Payload, cause, reason));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tick stream of partition {Partition} reported an error")]
    private partial void LogStreamError(Exception error, int partition);
}
