using Laevitas.Grains.Kafka;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;

namespace Laevitas.Grains.Streaming;

/// <summary>
/// The Kafka tick topic as an Orleans queue adapter: read-only (instrument grains produce to Kafka directly, with
/// their own idempotent producer and disk spool), one receiver per partition.
/// </summary>
/// <remarks>
/// Rewindable: Kafka keeps the records, and declaring it makes Orleans' subscription handshake recognise a batch the
/// consumer already processed (a late re-delivery after a timed-out call) and skip it instead of delivering it again.
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

    public string Name { get; } = name;

    public bool IsRewindable => true;

    public StreamProviderDirection Direction => StreamProviderDirection.ReadOnly;

    public Task QueueMessageBatchAsync<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext) =>
        throw new NotSupportedException(
            $"Stream provider '{Name}' only reads Kafka topic '{kafka.Topic}'; ticks are produced to Kafka by the tick publisher.");

    public IQueueAdapterReceiver CreateReceiver(QueueId queueId) =>
        new KafkaQueueAdapterReceiver(Name, queueId, streamNamespace, kafka, options, status, receiverLogger);
}
