using Laevitas.Diagnostics;

namespace Laevitas.Streaming.Kafka.Providers;

/// <summary>Counters one receiver updates and the status line reads; written by one thread, read by any.</summary>
internal sealed class KafkaPartitionProgress(int partition)
{
    private long committedOffset = -1;
    private long highWatermark = -1;
    private long ticksRead;
    private long batchesRead;
    private long ticksExpired;
    private volatile bool assigned;
    private volatile bool commitsHalted;

    public int Partition { get; } = partition;

    public string Topic { get; init; } = "";

    public void Assigned(bool value) => assigned = value;

    public void Read(int ticks)
    {
        Interlocked.Add(ref ticksRead, ticks);
        Interlocked.Increment(ref batchesRead);
    }

    /// <summary>Offsets the broker no longer held when the receiver got to them (retention): ticks that are gone.</summary>
    public void Expired(long count) => Interlocked.Add(ref ticksExpired, count);

    public long TicksExpired => Interlocked.Read(ref ticksExpired);

    public void Committed(long offset) => Volatile.Write(ref committedOffset, offset);

    /// <summary>
    /// The partition's end as last heard, from the consumer's fetches or from asking the broker: whichever is further
    /// (the consumer's figure is older while it does not fetch).
    /// </summary>
    public void HighWatermark(long offset) => AtomicMax.Raise(ref highWatermark, offset);

    public void HaltCommits() => commitsHalted = true;

    public KafkaPartitionStatus Snapshot()
    {
        var committed = Volatile.Read(ref committedOffset);
        var high = Volatile.Read(ref highWatermark);
        long? lag = committed >= 0 && high >= 0 ? Math.Max(0, high - committed) : null;
        return new KafkaPartitionStatus(
            Partition,
            assigned,
            committed >= 0 ? committed : null,
            high >= 0 ? high : null,
            lag,
            Interlocked.Read(ref ticksRead),
            Interlocked.Read(ref batchesRead),
            commitsHalted,
            TicksExpired);
    }
}
