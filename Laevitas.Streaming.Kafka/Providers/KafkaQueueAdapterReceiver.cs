using System.Buffers;
using System.Diagnostics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Laevitas.Diagnostics;
using Laevitas.Streaming.Kafka;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;
using ErrorCode = Confluent.Kafka.ErrorCode;

namespace Laevitas.Streaming.Kafka.Providers;

/// <summary>
/// Reads one Kafka partition for one Orleans queue and turns it into <see cref="PartitionBatch"/>es; stores the offset
/// for commit only once every batch below it has been delivered to the writer, i.e. stored in PostgreSQL.
/// </summary>
/// <remarks>
/// <para><b>Why committing in <see cref="MessagesDeliveredAsync(IList{IBatchContainer}, CancellationToken)"/> is
/// safe</b> (Orleans 10.4.2, <c>PersistentStreamPullingAgent</c> and <c>SimpleQueueCache</c>):</para>
/// <list type="number">
/// <item>The agent calls it only with batches it purged from the queue cache. <c>SimpleQueueCache</c> purges a
/// bucket only when no consumer cursor points into it, and a cursor stays on a batch until the consumer call for it
/// returned: the agent moves the cursor on (<c>MoveNext</c>) only when it fetches the next batch after delivery.</item>
/// <item>The writer grain returns from a delivery only after the batch's rows are committed in PostgreSQL; on a
/// database error it throws, and the agent re-delivers the same batch (<c>ExecuteWithRetries</c>). The provider sets
/// <c>StreamPullingAgentOptions.MaxEventDeliveryTime</c> to infinite, so the agent never gives up on a batch while it
/// runs (the default, one minute, would skip the batch after a one-minute outage).</item>
/// <item>If the agent did give up (shutdown), it marks the batch <c>DeliveryFailure</c> and <c>SimpleQueueCache</c>
/// leaves such batches out of the purged list. Batches are contiguous in offsets, so a batch missing from the
/// purged sequence shows as a gap here, and commits stop at it for good (the next owner of the queue re-reads from
/// there; the writer skips rows already stored). Nothing past an undelivered batch is ever committed.</item>
/// <item>Implicit subscriptions are never faulted or removed by the agent (its <c>ErrorProtocol</c> skips them),
/// and a stream whose consumer is still delivering is never dropped as inactive.</item>
/// <item>The adapter is not rewindable, so the consumer-side handshake never tells the agent to skip a batch (see
/// <see cref="KafkaQueueAdapter"/>): the cursor only moves past a batch the writer returned from.</item>
/// </list>
/// <para>The same purge is what gives a batch's pooled payload chunks back (<see cref="RecordValueBuffer"/>): a batch
/// reported here was returned from by every consumer, and the cache never hands it out again.</para>
/// <para>Offsets are stored with <c>StoreOffset</c> and committed by librdkafka's auto-commit timer and on close:
/// the stored offset is already safe, so when it reaches the broker only affects how much is re-read after a
/// crash, never whether a tick is lost.</para>
/// </remarks>
internal sealed partial class KafkaQueueAdapterReceiver : IQueueAdapterReceiver
{
    // When Orleans runs without a cache it asks for "unlimited"; a few batches per call is plenty then.
    private const int BatchesPerCallWhenUnlimited = 4;

    // librdkafka learns a partition's end (its high watermark) from fetch responses, and a consumer whose read-ahead is
    // full stops fetching: the end it reports then stands still while producers go on, so the lag (the status line,
    // the laevitas.stream.lag gauge, the dispatcher's writer pace) stopped growing exactly while a writer fell behind
    // (bench/results.md, "A fresher Kafka lag"). The end is also asked of the broker this often, off the agent's turn.
    private static readonly TimeSpan EndQueryInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan EndQueryTimeout = TimeSpan.FromSeconds(5);

    private readonly string providerName;
    private readonly QueueId queueId;
    private readonly int partition;
    private readonly StreamId streamId;
    private readonly KafkaOptions kafka;
    private readonly KafkaStreamOptions options;
    private readonly KafkaPartitionProgress progress;
    private readonly ILogger logger;
    private readonly TopicPartition topicPartition;
    private readonly RecordValueBuffer values;

    private IConsumer<string?, ReadOnlyMemory<byte>>? consumer;

    // Records read but not yet handed over as a batch. They are not in the cache, so nothing can commit them.
    private readonly List<KafkaTick> pending = [];
    private int pendingBytes;
    private long pendingSince;

    // Offset the next batch starts at: the previous batch's NextOffset (null until the first record is read).
    private long? position;

    // Offset up to which every batch was delivered (stored for commit); null until the first batch is cut.
    private long? deliveredUpTo;
    private bool commitsHalted;
    private bool brokerTimeReported;
    private bool shutDown;
    private long consumeErrors;

    // Asks the broker for the partition's end while the consumer lives (see EndQueryInterval).
    private CancellationTokenSource? endQueryStop;
    private Task endQueries = Task.CompletedTask;
    private readonly LogThrottle endQueryLog = new(TimeSpan.FromMinutes(1), TimeProvider.System);

    public KafkaQueueAdapterReceiver(
        string providerName,
        QueueId queueId,
        string streamNamespace,
        KafkaOptions kafka,
        KafkaStreamOptions options,
        KafkaStreamStatus status,
        ArrayPool<byte> valuePool,
        ILogger logger)
    {
        this.providerName = providerName;
        this.queueId = queueId;
        partition = KafkaStreamQueueMapper.PartitionOf(queueId);
        streamId = KafkaStreamQueueMapper.StreamFor(streamNamespace, partition);
        this.kafka = kafka;
        this.options = options;
        this.logger = logger;
        progress = status.Partition(kafka.Topic, partition);
        topicPartition = new TopicPartition(kafka.Topic, new Partition(partition));
        values = new RecordValueBuffer(valuePool);
    }

    public Task Initialize(TimeSpan timeout) => Initialize(timeout, CancellationToken.None);

    public Task Initialize(TimeSpan timeout, CancellationToken cancellationToken)
    {
        EnsureConsumer();
        return Task.CompletedTask;
    }

    // Also called on every read: if building the consumer failed at Initialize, the agent keeps pumping and the
    // partition must not be silently left unread.
    private IConsumer<string?, ReadOnlyMemory<byte>> EnsureConsumer()
    {
        if (consumer is { } existing)
        {
            return existing;
        }

        ObjectDisposedException.ThrowIf(shutDown, this);
        var config = KafkaClientConfigs.Consumer(kafka, options.ConsumerGroup, $"laevitas-stream-{providerName}-{partition}");
        // Offsets are stored by hand (StoreOffset, only for delivered batches) and the stored ones committed by
        // librdkafka's timer and on close; nothing is ever stored automatically.
        config.EnableAutoOffsetStore = false;
        config.EnableAutoCommit = true;
        config.AutoCommitIntervalMs = (int)Math.Max(100, options.CommitInterval.TotalMilliseconds);
        // Only the timestamp (the receive time) and the headers (records of the earlier format) are read; not
        // marshalling the topic name saves a string per record (the partition is known).
        config.ConsumeResultFields = "headers,timestamp";

        var built = new ConsumerBuilder<string?, ReadOnlyMemory<byte>>(config)
            .SetKeyDeserializer(InstrumentNameKeyDeserializer.Instance)
            .SetValueDeserializer(new RecordValueDeserializer(values))
            .SetErrorHandler((_, error) => LogClientError(partition, error.Code, error.Reason, error.IsFatal))
            .SetLogHandler((_, message) => LogClient(partition, message.Level.ToString(), message.Facility, message.Message))
            .Build();

        // Assigned, not subscribed: Orleans decides which silo reads which partition. Offset.Stored starts from the
        // group's committed offset (auto.offset.reset=earliest when the group has none), i.e. the first tick not
        // known to be in PostgreSQL.
        built.Assign(new TopicPartitionOffset(topicPartition, Offset.Stored));
        consumer = built;
        endQueryStop = new CancellationTokenSource();
        endQueries = Task.Run(() => QueryEndAsync(built, endQueryStop.Token), CancellationToken.None);
        progress.Assigned(true);
        LogAssigned(kafka.Topic, partition, options.ConsumerGroup, queueId.ToString());
        return built;
    }

    [Obsolete("Use the overload which accepts a CancellationToken.")]
    public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount) => GetQueueMessagesAsync(maxCount, CancellationToken.None);

    public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount, CancellationToken cancellationToken)
    {
        if (shutDown || maxCount == 0)
        {
            return Task.FromResult<IList<IBatchContainer>>([]);
        }

        var local = EnsureConsumer();

        var maxBatches = maxCount < 0 ? BatchesPerCallWhenUnlimited : maxCount;
        List<IBatchContainer>? batches = null;

        // Consume(0) never blocks: it takes what librdkafka has already fetched in the background, so the pulling
        // agent's turn is not held up by the network.
        while ((batches?.Count ?? 0) < maxBatches && !cancellationToken.IsCancellationRequested)
        {
            ConsumeResult<string?, ReadOnlyMemory<byte>>? record;
            try
            {
                record = local.Consume(0);
            }
            catch (ConsumeException ex)
            {
                consumeErrors++;
                LogConsumeError(partition, ex.Error.Code, ex.Error.Reason, consumeErrors);
                break;
            }

            if (record is null)
            {
                break;
            }

            if (record.IsPartitionEOF)
            {
                continue;
            }

            Append(record);
            if (pending.Count >= options.MaxBatchTicks || pendingBytes >= options.MaxBatchBytes)
            {
                (batches ??= []).Add(Cut());
            }
        }

        // A partial batch goes out once its oldest record has waited long enough, so a quiet partition still lands.
        if (pending.Count > 0 && (batches?.Count ?? 0) < maxBatches
            && Stopwatch.GetElapsedTime(pendingSince) >= options.MaxBatchWait)
        {
            (batches ??= []).Add(Cut());
        }

        var watermarks = local.GetWatermarkOffsets(topicPartition);
        if (watermarks.High.Value >= 0)
        {
            progress.HighWatermark(watermarks.High.Value);
        }

        return Task.FromResult<IList<IBatchContainer>>(batches is null ? [] : batches);
    }

    [Obsolete("Use the overload which accepts a CancellationToken.")]
    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages) => MessagesDeliveredAsync(messages, CancellationToken.None);

    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages, CancellationToken cancellationToken)
    {
        foreach (var message in messages)
        {
            // Purged: every consumer returned from it and the cache lets go of it, so nothing reads its payloads again.
            if (message is KafkaBatchContainer { Batch.Values: { } purged })
            {
                purged.Release();
            }
        }

        var local = consumer;
        if (local is null || commitsHalted || messages.Count == 0)
        {
            return Task.CompletedTask;
        }

        var upTo = deliveredUpTo;
        foreach (var message in messages)
        {
            if (message is not KafkaBatchContainer { Batch: var batch })
            {
                continue;
            }

            if (upTo is null || batch.FirstOffset == upTo)
            {
                upTo = batch.NextOffset;
            }
            else if (batch.FirstOffset > upTo)
            {
                // A batch between upTo and this one is missing from the purged sequence: the agent gave up on it
                // (SimpleQueueCache drops failed deliveries from what it reports). Never commit past it.
                commitsHalted = true;
                progress.HaltCommits();
                LogCommitsHalted(kafka.Topic, partition, upTo.Value, batch.FirstOffset);
                break;
            }
        }

        if (upTo is { } offset && offset != deliveredUpTo)
        {
            try
            {
                local.StoreOffset(new TopicPartitionOffset(topicPartition, new Offset(offset)));
                deliveredUpTo = offset;
                progress.Committed(offset);
            }
            catch (KafkaException ex)
            {
                // Only possible if the partition is no longer assigned; the next delivery stores a later offset.
                LogStoreFailed(partition, offset, ex.Error.Reason);
            }
        }

        return Task.CompletedTask;
    }

    public Task Shutdown(TimeSpan timeout) => Shutdown(timeout, CancellationToken.None);

    public async Task Shutdown(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var local = consumer;
        consumer = null;
        shutDown = true;
        progress.Assigned(false);
        pending.Clear();
        values.Discard();
        if (local is null)
        {
            return;
        }

        endQueryStop?.Cancel();
        var queries = endQueries;

        // Close commits the stored offsets (delivered batches only) and can wait on the network: keep it off the
        // agent's turn, and give up waiting after the timeout (it finishes in the background). The end queries use the
        // consumer's handle, so it is closed only once they have stopped (at most one query's timeout), whether they
        // ended cleanly or not.
        var close = Task.Run(async () =>
        {
            await queries.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            try
            {
                local.Close();
            }
            catch (KafkaException ex)
            {
                LogCloseFailed(partition, ex.Error.Reason);
            }
            finally
            {
                local.Dispose();
                endQueryStop?.Dispose();
            }
        }, CancellationToken.None);
        try
        {
            await close.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogCloseSlow(partition, timeout);
        }

        LogReleased(kafka.Topic, partition, deliveredUpTo);
    }

    /// <summary>
    /// Every <see cref="EndQueryInterval"/>, the partition's end as the broker has it (ListOffsets through the consumer's
    /// own connection), for the lag; a failure (broker away) leaves the last known end and is logged once a minute.
    /// </summary>
    private async Task QueryEndAsync(IConsumer<string?, ReadOnlyMemory<byte>> local, CancellationToken cancellationToken)
    {
        using var admin = new DependentAdminClientBuilder(local.Handle).Build();
        TopicPartitionOffsetSpec[] end = [new() { TopicPartition = topicPartition, OffsetSpec = OffsetSpec.Latest() }];
        var queryOptions = new ListOffsetsOptions { RequestTimeout = EndQueryTimeout };
        using var timer = new PeriodicTimer(EndQueryInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    var result = await admin.ListOffsetsAsync(end, queryOptions).ConfigureAwait(false);
                    foreach (var info in result.ResultInfos)
                    {
                        if (info.TopicPartitionOffsetError.Offset.Value >= 0)
                        {
                            progress.HighWatermark(info.TopicPartitionOffsetError.Offset.Value);
                        }
                    }
                }
                catch (KafkaException ex)
                {
                    if (endQueryLog.ShouldLog(out var suppressed))
                    {
                        LogEndQueryFailed(kafka.Topic, partition, ex.Error.Reason, suppressed);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private void Append(ConsumeResult<string?, ReadOnlyMemory<byte>> record)
    {
        var message = record.Message;
        var expected = pending.Count > 0 ? pending[^1].Offset + 1 : position;
        if (record.Offset.Value < expected)
        {
            // Read again after an offset reset: already handed over in an earlier batch.
            return;
        }

        if (record.Offset.Value > expected)
        {
            // The producer is idempotent and not transactional, so a partition's offsets have no holes: the broker
            // deleted these (retention) before they were read, and librdkafka moved on to the oldest it still has.
            // They are lost; say so loudly rather than let them vanish.
            var expired = record.Offset.Value - expected.Value;
            progress.Expired(expired);
            LogExpired(kafka.Topic, partition, expected.Value, record.Offset.Value, expired);
        }

        if (pending.Count == 0)
        {
            pendingSince = Stopwatch.GetTimestamp();
            position ??= record.Offset.Value;
            // The first batch fixes where delivered offsets start; commits then follow batch by batch.
            deliveredUpTo ??= position;
        }

        if (!brokerTimeReported && TickRecord.IsBrokerTime(message.Timestamp))
        {
            brokerTimeReported = true;
            LogBrokerTime(kafka.Topic, partition);
        }

        var receivedAt = TickRecord.ReceivedAtMs(message.Timestamp, message.Headers);
        var payload = message.Value;
        pending.Add(new KafkaTick(record.Offset.Value, message.Key, receivedAt, payload));
        pendingBytes += payload.Length;
    }

    private KafkaBatchContainer Cut()
    {
        var first = position ?? pending[0].Offset;
        var next = pending[^1].Offset + 1;
        var batch = new PartitionBatch(kafka.Topic, partition, first, next, pending.ToArray()) { Values = values.Detach() };
        pending.Clear();
        pendingBytes = 0;
        position = next;
        progress.Read(batch.Ticks.Length);
        return new KafkaBatchContainer(streamId, batch);
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Reading Kafka {Topic}[{Partition}] for queue {Queue} from the committed offset of group {Group}")]
    private partial void LogAssigned(string topic, int partition, string group, string queue);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Error, Message = "Kafka {Topic}[{Partition}]: offsets {From}..{To} were deleted by the broker (retention) before they were stored: " +
                                                    "{Count} ticks lost; the writer is further behind than the topic's retention")]
    private partial void LogExpired(string topic, int partition, long from, long to, long count);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "Kafka {Topic}[{Partition}] has broker-assigned record timestamps (message.timestamp.type=LogAppendTime): " +
                                                      "received_at is stored as the broker's append time, later than the silo's receive time by the publishing delay; " +
                                                      "configure the topic with CreateTime")]
    private partial void LogBrokerTime(string topic, int partition);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Information, Message = "Released Kafka {Topic}[{Partition}]; offsets stored for commit up to {Offset}")]
    private partial void LogReleased(string topic, int partition, long? offset);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Error, Message = "Kafka {Topic}[{Partition}]: a batch from offset {Offset} was not delivered (next delivered batch starts at {Next}); " +
                                                    "no further offsets of this partition are committed until the queue is re-read by its next owner")]
    private partial void LogCommitsHalted(string topic, int partition, long offset, long next);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Warning, Message = "Kafka consume error on partition {Partition}: {Code} {Reason} ({Count} so far)")]
    private partial void LogConsumeError(int partition, ErrorCode code, string reason, long count);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Warning, Message = "Kafka stream consumer for partition {Partition}: {Code} {Reason} (fatal: {Fatal})")]
    private partial void LogClientError(int partition, ErrorCode code, string reason, bool fatal);

    [LoggerMessage(EventId = 4108, Level = LogLevel.Debug, Message = "librdkafka consumer {Partition} {Level} {Facility}: {Message}")]
    private partial void LogClient(int partition, string level, string facility, string message);

    [LoggerMessage(EventId = 4109, Level = LogLevel.Warning, Message = "Storing offset {Offset} of partition {Partition} for commit failed: {Reason}")]
    private partial void LogStoreFailed(int partition, long offset, string reason);

    [LoggerMessage(EventId = 4110, Level = LogLevel.Warning, Message = "Closing the Kafka consumer of partition {Partition} failed: {Reason}")]
    private partial void LogCloseFailed(int partition, string reason);

    [LoggerMessage(EventId = 4117, Level = LogLevel.Warning, Message = "Asking the broker where Kafka {Topic}[{Partition}] ends failed: {Reason} ({Suppressed} more failures not logged); " +
                                                      "the lag shows the last end known")]
    private partial void LogEndQueryFailed(string topic, int partition, string reason, long suppressed);

    [LoggerMessage(EventId = 4111, Level = LogLevel.Warning, Message = "Closing the Kafka consumer of partition {Partition} takes longer than {Timeout}; continuing in the background")]
    private partial void LogCloseSlow(int partition, TimeSpan timeout);
}
