using Laevitas.Grains.Writing;
using Laevitas.Streaming.Kafka;
using Laevitas.Streaming.Kafka.Providers;
using Microsoft.Extensions.Options;

namespace Laevitas.Silo.Dispatch;

/// <summary>
/// The writers' progress as this silo's stream receivers see it: per tick-topic partition read here, the lag (high
/// watermark minus the offset stored for commit, i.e. published and not yet in PostgreSQL) and how far that offset
/// moved since the previous sample, scaled from the partitions read here to the whole topic; and this silo's writers'
/// failed writes (an outage shows on every silo).
/// </summary>
/// <remarks>
/// Scaled rather than asked of the cluster: the producer spreads ticks over partitions by instrument, so the
/// partitions one silo reads are a fair sample of all of them, and this silo's figures are current (updated on every
/// poll and delivery), where the cluster's totals arrive every few seconds (<c>Stats:ReportInterval</c>) — too late
/// to keep a backlog under a broker's retention. A silo that reads no partition has no sample and does not pace.
/// Called under <see cref="WriterPace"/>'s lock (by the pump or the dispatcher's watch loop), one call at a time.
/// </remarks>
internal sealed class KafkaWriterProgress(IServiceProvider services, IOptions<KafkaOptions> kafka) : IWriterProgress
{
    private readonly KafkaStreamStatus? status = services.GetService<KafkaStreamStatus>();
    private readonly TickWriterStatus? writers = services.GetService<TickWriterStatus>();
    private readonly Dictionary<int, long> lastStored = [];

    public WriterProgressSample? Sample()
    {
        if (status is null)
        {
            return null;
        }

        long backlog = 0;
        long delivered = 0;
        var assigned = 0;
        foreach (var partition in status.Snapshot(kafka.Value.Topic))
        {
            if (!partition.Assigned || partition.Lag is not { } lag || partition.CommittedOffset is not { } stored)
            {
                lastStored.Remove(partition.Partition);
                continue;
            }

            assigned++;
            backlog += lag;
            // Only the partitions read here at both samples count: one taken over meanwhile has no earlier offset here.
            if (lastStored.TryGetValue(partition.Partition, out var before) && stored >= before)
            {
                delivered += stored - before;
            }

            lastStored[partition.Partition] = stored;
        }

        if (assigned == 0)
        {
            return null;
        }

        var scale = Math.Max(1.0, (double)kafka.Value.Partitions / assigned);
        return new WriterProgressSample((long)(backlog * scale), (long)(delivered * scale), writers?.Snapshot().WriteFailures ?? 0);
    }
}
