using System.Threading.Channels;
using Laevitas.Diagnostics;
using Laevitas.Grains.Abstractions.Indexes;

namespace Laevitas.Silo.Dispatch;

/// <summary>
/// Hands the feed's index values to their <see cref="IIndexGrain"/>s: one loop that takes whatever has gathered, makes
/// one call per index with it, in order, and retries a failed call (same values first) after
/// <see cref="DispatchOptions.RetryDelay"/>. A handful of values a second for the whole market, so one call in flight
/// at a time is plenty and keeps each index's values in order.
/// </summary>
/// <remarks>
/// At most <see cref="Capacity"/> values wait (minutes of every index's channels); past it the oldest are dropped,
/// counted and logged, so the receive loop never blocks on a grain.
/// </remarks>
internal sealed partial class IndexForwarder(IGrainFactory grainFactory, DispatchOptions options, TimeProvider time, ILogger logger)
{
    internal const int Capacity = 10_000;

    private readonly Channel<IndexValue> values = Channel.CreateBounded<IndexValue>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest });

    private readonly LogThrottle failureLog = new(TimeSpan.FromSeconds(10), time);
    private readonly LogThrottle dropLog = new(TimeSpan.FromSeconds(10), time);
    private long forwarded;
    private long dropped;

    public long Forwarded => Interlocked.Read(ref forwarded);

    public long Dropped => Interlocked.Read(ref dropped);

    /// <summary>Values waiting for their call (not those of the call in flight).</summary>
    public int Waiting => values.Reader.Count;

    public void Add(IndexValue value)
    {
        if (values.Reader.Count >= Capacity)
        {
            // DropOldest makes room; the count is ours to keep.
            var total = Interlocked.Increment(ref dropped);
            if (dropLog.ShouldLog(out var suppressed))
            {
                LogDropped(logger, Capacity, suppressed + 1, total);
            }
        }

        values.Writer.TryWrite(value);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var batch = new List<IndexValue>();
        try
        {
            while (await values.Reader.WaitToReadAsync(cancellationToken))
            {
                while (batch.Count < Capacity && values.Reader.TryRead(out var value))
                {
                    batch.Add(value);
                }

                foreach (var group in batch.GroupBy(v => v.IndexName, StringComparer.Ordinal).ToList())
                {
                    var sent = group.ToArray();
                    while (true)
                    {
                        try
                        {
                            await grainFactory.GetGrain<IIndexGrain>(group.Key).ReceiveAsync(sent);
                            Interlocked.Add(ref forwarded, sent.Length);
                            break;
                        }
                        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                        {
                            if (failureLog.ShouldLog(out var suppressed))
                            {
                                LogCallFailed(logger, ex, sent.Length, group.Key, options.RetryDelay, suppressed + 1);
                            }

                            await Task.Delay(options.RetryDelay, time, cancellationToken);
                        }
                    }
                }

                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 5009, Level = LogLevel.Warning, Message = "Handing {Count} values to index grain {Index} failed; retrying in {RetryDelay} ({Failures} failures since the last report)")]
    private static partial void LogCallFailed(ILogger logger, Exception exception, int count, string index, TimeSpan retryDelay, long failures);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Error, Message = "{Capacity} index values are waiting for their grains: the oldest dropped; {Count} since the last report, {Total} in all")]
    private static partial void LogDropped(ILogger logger, int capacity, long count, long total);
}
