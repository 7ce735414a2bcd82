using Orleans.Providers.Streams.Common;
using Orleans.Runtime;
using Orleans.Streams;

namespace Laevitas.Streaming.Kafka.Providers;

/// <summary>
/// What the pulling agent caches and delivers: one <see cref="TickBatch"/> (many ticks of one partition) per
/// container. The sequence token is the batch's first offset, so tokens order like the partition.
/// </summary>
/// <remarks>
/// Immutable so that Orleans does not deep-copy megabytes of payload on every local delivery; nothing mutates a
/// batch after the receiver built it.
/// </remarks>
[GenerateSerializer, Immutable]
public sealed class KafkaBatchContainer : IBatchContainer
{
    public KafkaBatchContainer(StreamId streamId, TickBatch batch)
    {
        StreamId = streamId;
        Batch = batch;
        Token = new EventSequenceTokenV2(batch.FirstOffset);
    }

    [Id(0)] public StreamId StreamId { get; }

    [Id(1)] public TickBatch Batch { get; }

    [Id(2)] public EventSequenceTokenV2 Token { get; }

    public StreamSequenceToken SequenceToken => Token;

    public IEnumerable<Tuple<T, StreamSequenceToken>> GetEvents<T>()
    {
        if (Batch is T item)
        {
            yield return Tuple.Create(item, (StreamSequenceToken)Token);
        }
    }

    // Ticks carry no Orleans request context: the publisher writes to Kafka directly.
    public bool ImportRequestContext() => false;

    public override string ToString() => $"KafkaBatchContainer({Batch})";
}
