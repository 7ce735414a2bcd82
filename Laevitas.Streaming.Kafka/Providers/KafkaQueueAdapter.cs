using System.Buffers;
using Laevitas.Streaming.Kafka;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;

namespace Laevitas.Streaming.Kafka.Providers;

/// <summary>
/// The Kafka tick topic as an Orleans queue adapter: read-only (instrument grains produce to Kafka directly, with
/// their own idempotent producer and disk spool), one receiver per partition.
/// </summary>
/// <remarks>
/// Not rewindable, on purpose. For a rewindable provider Orleans' subscription handle remembers the token of the last
/// batch the consumer processed and, when a pulling agent delivers a batch with a token it does not expect, answers
/// with that token instead of processing the batch; the agent then skips ahead in its cache. Batch tokens here are
/// first offsets, and a queue's next owner (after a rebalance or a crash) re-reads from the committed offset and cuts
/// different batches: its batch [T, X) carries the same token T as the old owner's last batch [T, T+n), so the live
/// writer activation would declare it processed and ticks T+n..X would be committed without being stored (a test that
/// kills a silo mid-stream caught exactly that). Without the handshake every batch reaches the writer, which is
/// idempotent.
/// </remarks>
internal sealed class KafkaQueueAdapter(
    string name,
    string streamNamespace,
    KafkaOptions kafka,
    KafkaStreamOptions options,
    KafkaStreamStatus status,
    ILoggerFactory loggerFactory) : IQueueAdapter
{
    private readonly ILogger receiverLogger = loggerFactory.CreateLogger<KafkaQueueAdapterReceiver>();

    // Shared by this provider's receivers: a chunk one partition's writer is done with serves another's reading.
    private readonly ArrayPool<byte> valuePool = RecordValueBuffer.CreatePool();

    public string Name { get; } = name;

    public bool IsRewindable => false;

    public StreamProviderDirection Direction => StreamProviderDirection.ReadOnly;

    public Task QueueMessageBatchAsync<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext) =>
        throw new NotSupportedException(
            $"Stream provider '{Name}' only reads Kafka topic '{kafka.Topic}'; ticks are produced to Kafka by the tick publisher.");

    public IQueueAdapterReceiver CreateReceiver(QueueId queueId) =>
        new KafkaQueueAdapterReceiver(Name, queueId, streamNamespace, kafka, options, status, valuePool, receiverLogger);
}
