using Laevitas.Diagnostics;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Laevitas.Streaming.Kafka.Providers;

/// <summary>
/// Progress of the partitions this silo reads (one entry per receiver it ever ran): read and committed offsets and
/// lag. Also exported as the <c>laevitas.stream.lag</c> gauge (per partition) on the "Laevitas" meter.
/// </summary>
public sealed class KafkaStreamStatus
{
    // Keyed by topic too: the tick and the trade stream providers both read a partition 0.
    private readonly ConcurrentDictionary<(string Topic, int Partition), KafkaPartitionProgress> partitions = new();

    public KafkaStreamStatus(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = new LaevitasMeter(meterFactory);
        meter.ObserveGauge(LaevitasMetrics.StreamLag, ObserveLag);
        meter.ObserveCounter(LaevitasMetrics.StreamExpired, TotalExpired);
    }

    /// <summary>Ticks the broker had deleted before they were read, over every partition this silo read.</summary>
    public long TotalExpired()
    {
        long total = 0;
        foreach (var progress in partitions.Values)
        {
            total += progress.TicksExpired;
        }

        return total;
    }

    /// <summary>Partitions this silo reads now or read before, in partition order.</summary>
    public IReadOnlyList<KafkaPartitionStatus> Snapshot()
    {
        var result = new List<KafkaPartitionStatus>(partitions.Count);
        foreach (var progress in partitions.Values)
        {
            result.Add(progress.Snapshot());
        }

        result.Sort(static (a, b) => a.Partition.CompareTo(b.Partition));
        return result;
    }

    /// <summary>The partitions of <paramref name="topic"/> this silo reads now or read before.</summary>
    public IReadOnlyList<KafkaPartitionStatus> Snapshot(string topic)
    {
        var result = new List<KafkaPartitionStatus>();
        foreach (var progress in partitions.Values)
        {
            if (string.Equals(progress.Topic, topic, StringComparison.Ordinal))
            {
                result.Add(progress.Snapshot());
            }
        }

        return result;
    }

    /// <summary>Sum of the lag of the partitions this silo reads now; null when none reports one yet.</summary>
    public long? TotalLag()
    {
        long? total = null;
        foreach (var progress in partitions.Values)
        {
            var status = progress.Snapshot();
            if (status is { Assigned: true, Lag: { } lag })
            {
                total = (total ?? 0) + lag;
            }
        }

        return total;
    }

    internal KafkaPartitionProgress Partition(string topic, int partition) =>
        partitions.GetOrAdd((topic, partition), static key => new KafkaPartitionProgress(key.Partition) { Topic = key.Topic });

    private IEnumerable<Measurement<long>> ObserveLag()
    {
        foreach (var progress in partitions.Values)
        {
            var status = progress.Snapshot();
            if (status is { Assigned: true, Lag: { } lag })
            {
                yield return new Measurement<long>(lag, new KeyValuePair<string, object?>("partition", status.Partition), new KeyValuePair<string, object?>("topic", progress.Topic));
            }
        }
    }
}
