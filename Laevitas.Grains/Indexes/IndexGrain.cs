using Laevitas.Grains.Abstractions.Indexes;
using Microsoft.Extensions.Logging;

namespace Laevitas.Grains.Indexes;

/// <summary>
/// One Deribit index (<see cref="IIndexGrain"/>): keeps the latest price, DVOL and estimated expiration price, and
/// writes every accepted value to <c>deribit_index_values</c> in batches, at most one statement per
/// <see cref="FlushInterval"/>.
/// </summary>
/// <remarks>
/// <para>Not the tickers' path (Kafka topic, stream, writer grain): a few values a second per index did not justify a
/// topic, provider and writer of their own by this stop's deadline. What that costs, plainly: the values accepted but
/// not yet written live only in this grain's memory. A silo that dies loses up to <see cref="FlushInterval"/> of them
/// (about 3 per index), and, while PostgreSQL is down, everything buffered since the outage began. The buffer is
/// bounded (<see cref="MaxPendingWrites"/>, about 4.5 hours of all three channels of one index at Deribit's ~1/s each);
/// past it the oldest are dropped, counted (<see cref="IndexSnapshot.DroppedWrites"/>) and logged. A failed write is
/// retried with a backoff doubling to <see cref="MaxRetryDelay"/>; rows are keyed on (index, kind, timestamp), so a
/// batch written twice is stored once.</para>
/// <para>Two feeds deliver each value twice: a price or DVOL value no newer than the latest accepted of its kind is a
/// copy; an estimated expiration price (no exchange timestamp, stamped on receipt) is a copy when its price, seconds and
/// is_estimated equal one of the last few accepted, and a new one stamped no later than the last is moved a millisecond
/// after it.</para>
/// </remarks>
public sealed partial class IndexGrain(IndexValuesStore store, TimeProvider time, ILogger<IndexGrain> logger) : Grain, IIndexGrain
{
    internal static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);
    internal static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);
    internal const int MaxPendingWrites = 50_000;

    // Deribit sends the estimated expiration price about once a second and two feeds' copies arrive close together.
    private const int RecentEstimates = 8;

    // Reading the latest stored values must not hold up activation through a database outage: values keep arriving.
    private static readonly TimeSpan LatestReadTimeout = TimeSpan.FromSeconds(3);

    private readonly List<IndexValue> pending = [];
    private readonly Queue<(double Price, long? Seconds, bool? IsEstimated)> recentEstimates = new();
    private string indexName = "";
    private IndexValue? price;
    private IndexValue? volatility;
    private IndexValue? estimate;
    private long accepted;
    private long dropped;
    private int failures;
    private long retryAt;
    private bool writing;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        indexName = this.GetPrimaryKeyString();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(LatestReadTimeout);
            foreach (var value in await store.LatestAsync(indexName, timeout.Token))
            {
                Remember(value);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Starts empty: the next values fill it, and copies of stored rows are skipped by the table's key.
            LogLatestUnread(logger, ex, indexName);
        }

        this.RegisterGrainTimer(FlushAsync, new GrainTimerCreationOptions(FlushInterval, FlushInterval) { KeepAlive = false });
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // One last try, so a deactivation (idle, rebalancing, silo shutdown) does not leave values in memory.
        retryAt = 0;
        await FlushAsync(cancellationToken);
        if (pending.Count > 0)
        {
            LogLostOnDeactivation(logger, pending.Count, indexName);
        }
    }

    public Task ReceiveAsync(IndexValue[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (var received in values)
        {
            if (!IsNew(received))
            {
                continue;
            }

            var value = received;
            if (value.Kind == IndexValueKind.EstimatedExpiration && estimate is { } last && value.Timestamp <= last.Timestamp)
            {
                // Stamped on receipt, and frames read in one burst share their millisecond: a new estimate (its content
                // told it apart) goes a millisecond after the last, so the table's key keeps both and their order.
                value = value with { Timestamp = last.Timestamp + 1 };
            }

            Remember(value);
            accepted++;
            pending.Add(value);
        }

        if (pending.Count > MaxPendingWrites)
        {
            var excess = pending.Count - MaxPendingWrites;
            pending.RemoveRange(0, excess);
            dropped += excess;
            LogBufferFull(logger, excess, indexName, MaxPendingWrites, dropped);
        }

        return Task.CompletedTask;
    }

    public Task<IndexSnapshot> GetSnapshotAsync() => Task.FromResult(new IndexSnapshot
    {
        IndexName = indexName,
        Price = price,
        Volatility = volatility,
        EstimatedExpiration = estimate,
        ValuesAccepted = accepted,
        PendingWrites = pending.Count,
        DroppedWrites = dropped,
    });

    private bool IsNew(IndexValue value) => value.Kind switch
    {
        IndexValueKind.Price => price is null || value.Timestamp > price.Timestamp,
        IndexValueKind.Volatility => volatility is null || value.Timestamp > volatility.Timestamp,
        // No exchange timestamp to order by: a copy is told by its content alone (receipt times of two feeds' copies
        // differ, and two estimates read in one burst share theirs).
        IndexValueKind.EstimatedExpiration => !recentEstimates.Contains((value.Value, value.Seconds, value.IsEstimated)),
        _ => false,
    };

    private void Remember(IndexValue value)
    {
        switch (value.Kind)
        {
            case IndexValueKind.Price:
                price = value;
                break;
            case IndexValueKind.Volatility:
                volatility = value;
                break;
            case IndexValueKind.EstimatedExpiration:
                estimate = value;
                recentEstimates.Enqueue((value.Value, value.Seconds, value.IsEstimated));
                if (recentEstimates.Count > RecentEstimates)
                {
                    recentEstimates.Dequeue();
                }

                break;
        }
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        var now = time.GetTimestamp();
        if (pending.Count == 0 || writing || now < retryAt)
        {
            return;
        }

        // Values arriving during the write (the timer interleaves with calls) are kept for the next one.
        var batch = pending.ToArray();
        writing = true;
        try
        {
            await store.InsertAsync(indexName, batch, cancellationToken);
            pending.RemoveRange(0, Math.Min(batch.Length, pending.Count));
            if (failures > 0)
            {
                LogWriteRecovered(logger, indexName, failures);
            }

            failures = 0;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            failures++;
            var delay = TimeSpan.FromTicks(Math.Min(MaxRetryDelay.Ticks, FlushInterval.Ticks << Math.Min(failures, 10)));
            retryAt = time.GetTimestamp() + (long)(delay.TotalSeconds * time.TimestampFrequency);
            if (failures == 1 || failures % 10 == 0)
            {
                LogWriteFailed(logger, ex, batch.Length, indexName, failures, delay);
            }
        }
        finally
        {
            writing = false;
        }
    }

    [LoggerMessage(EventId = 2401, Level = LogLevel.Warning, Message = "Index {Index}: the latest stored values could not be read at activation; starting empty")]
    private static partial void LogLatestUnread(ILogger logger, Exception exception, string index);

    [LoggerMessage(EventId = 2402, Level = LogLevel.Warning, Message = "Writing {Count} values of index {Index} failed ({Failures} in a row); retrying in {Delay}")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, int count, string index, int failures, TimeSpan delay);

    [LoggerMessage(EventId = 2403, Level = LogLevel.Information, Message = "Index {Index}: values written again after {Failures} failed writes")]
    private static partial void LogWriteRecovered(ILogger logger, string index, int failures);

    [LoggerMessage(EventId = 2404, Level = LogLevel.Error, Message = "Index {Index}: {Count} unwritten values dropped, the write buffer holds at most {Max}; {Total} dropped since activation")]
    private static partial void LogBufferFull(ILogger logger, int count, string index, int max, long total);

    [LoggerMessage(EventId = 2405, Level = LogLevel.Error, Message = "{Count} values of index {Index} were not written before the grain deactivated and are lost")]
    private static partial void LogLostOnDeactivation(ILogger logger, int count, string index);
}
