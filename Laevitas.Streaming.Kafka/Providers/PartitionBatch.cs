namespace Laevitas.Streaming.Kafka.Providers;

/// <summary>
/// The stream event of the tick stream: every record the receiver read from one Kafka partition between two
/// offsets, so that a consumer gets thousands of ticks per call instead of one call per tick.
/// </summary>
/// <remarks>
/// The range is contiguous across batches of a partition: a batch's <see cref="FirstOffset"/> is the previous
/// batch's <see cref="NextOffset"/> (Kafka may leave offset gaps, e.g. transaction markers; they belong to the
/// range that spans them). That is what lets the receiver commit only a gap-free prefix of delivered batches.
/// </remarks>
[GenerateSerializer, Immutable]
public sealed class PartitionBatch
{
    public PartitionBatch(string topic, int partition, long firstOffset, long nextOffset, KafkaTick[] ticks)
    {
        Topic = topic;
        Partition = partition;
        FirstOffset = firstOffset;
        NextOffset = nextOffset;
        Ticks = ticks;
    }

    [Id(0)] public string Topic { get; }

    [Id(1)] public int Partition { get; }

    /// <summary>First offset this batch accounts for (inclusive).</summary>
    [Id(2)] public long FirstOffset { get; }

    /// <summary>Offset after the last record of the batch: the offset to commit once the batch is stored.</summary>
    [Id(3)] public long NextOffset { get; }

    [Id(4)] public KafkaTick[] Ticks { get; }

    /// <summary>
    /// The pooled chunks the ticks' payloads live in (null on a batch that came over the wire, whose payloads are its
    /// own): not serialized. Released by the receiver once the cache purged the batch.
    /// </summary>
    [field: NonSerialized]
    internal ValueChunks? Values { get; init; }

    public override string ToString() => $"{Topic}[{Partition}] {FirstOffset}..{NextOffset} ({Ticks.Length} ticks)";
}
