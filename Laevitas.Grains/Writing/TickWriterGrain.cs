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
/// <para>Unusable ticks (malformed JSON, wrong types, rows PostgreSQL rejects) are counted, logged at a bounded rate
/// and skipped; they never stall the stream.</para>
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

    private int partition;
    private DeribitPriceRow[] rows = new DeribitPriceRow[256];
    private long[] offsets = new long[256];

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
        IOptions<TickWriterOptions> options,
        IOptions<SiloMessagingOptions> messaging,
        ILogger<TickWriterGrain> logger)
    {
        this.status = status;
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
        var inserted = count == 0 ? 0 : await StoreAsync(batch, count);

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
            offsets = new long[rows.Length];
        }

        var count = 0;
        foreach (var tick in ticks)
        {
            if (tick.Payload is null)
            {
                Skip(tick.Offset, tick.Key, "empty payload");
                continue;
            }

            if (!TickPayloadParser.TryParse(tick.Payload, tick.ReceivedAtMs, ref rows[count], out var error))
            {
                Skip(tick.Offset, tick.Key, error ?? "unusable tick");
                continue;
            }

            offsets[count] = tick.Offset;
            count++;
        }

        // Drop references to the previous batch's strings beyond the new count.
        if (parsedCount > count)
        {
            Array.Clear(rows, count, parsedCount - count);
        }

        parsedBatch = (batch.Partition, batch.FirstOffset, batch.NextOffset);
        parsedCount = count;
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
                    (index, rejection) => Skip(offsets[index], rows[index].InstrumentName, $"rejected by PostgreSQL: {rejection.SqlState} {rejection.MessageText}"));
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

    private void Skip(long offset, string? key, string reason)
    {
        ticksSkipped++;
        lastError = reason;
        status.TickSkipped(partition, offset, key, reason);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tick stream of partition {Partition} reported an error")]
    private partial void LogStreamError(Exception error, int partition);
}
