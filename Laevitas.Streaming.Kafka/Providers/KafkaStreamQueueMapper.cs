using System.Buffers.Text;
using Orleans.Runtime;
using Orleans.Streams;

namespace Laevitas.Streaming.Kafka.Providers;

/// <summary>
/// One Orleans queue per Kafka partition, and one stream per queue: stream key = partition number in the tick
/// namespace. So partition p is read by exactly one receiver and delivered to exactly one writer grain (key p),
/// which sees the partition's records in offset order.
/// </summary>
/// <remarks>
/// Implements the consistent-ring flavour because Orleans' default queue balancer hands each silo the queues whose
/// hash falls in its ring range; queue hashes are spread evenly around the ring like HashRingBasedStreamQueueMapper's.
/// </remarks>
public sealed class KafkaStreamQueueMapper : IConsistentRingStreamQueueMapper
{
    private readonly QueueId[] queues;
    private readonly byte[] streamNamespace;

    public KafkaStreamQueueMapper(string providerName, string streamNamespace, int partitions)
    {
        ArgumentException.ThrowIfNullOrEmpty(providerName);
        ArgumentException.ThrowIfNullOrEmpty(streamNamespace);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        this.streamNamespace = System.Text.Encoding.UTF8.GetBytes(streamNamespace);
        queues = new QueueId[partitions];
        var step = (ulong)uint.MaxValue / (ulong)partitions;
        for (var p = 0; p < partitions; p++)
        {
            queues[p] = QueueId.GetQueueId(providerName, (uint)p, (uint)(step * (ulong)p));
        }
    }

    public int Partitions => queues.Length;

    /// <summary>The stream that carries partition <paramref name="partition"/>'s ticks.</summary>
    public static StreamId StreamFor(string streamNamespace, int partition) => StreamId.Create(streamNamespace, partition);

    public static int PartitionOf(QueueId queueId) => checked((int)queueId.GetNumericId());

    public IEnumerable<QueueId> GetAllQueues() => queues;

    public IEnumerable<QueueId> GetQueuesForRange(IRingRange range)
    {
        ArgumentNullException.ThrowIfNull(range);
        foreach (var queue in queues)
        {
            if (range.InRange(queue.GetUniformHashCode()))
            {
                yield return queue;
            }
        }
    }

    public QueueId GetQueueForStream(StreamId streamId)
    {
        if (streamId.Namespace.Span.SequenceEqual(streamNamespace)
            && Utf8Parser.TryParse(streamId.Key.Span, out int partition, out var consumed)
            && consumed == streamId.Key.Length
            && (uint)partition < (uint)queues.Length)
        {
            return queues[partition];
        }

        // Nothing produces other streams through this provider (it is read-only); map them somewhere stable anyway.
        return queues[(uint)streamId.GetHashCode() % (uint)queues.Length];
    }

    public override string ToString() => $"KafkaStreamQueueMapper({queues.Length} partitions)";
}
