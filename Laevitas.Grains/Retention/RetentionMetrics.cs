using System.Diagnostics.Metrics;
using Laevitas.Diagnostics;

namespace Laevitas.Grains.Retention;

/// <summary>Retention's counters on the shared <c>Laevitas</c> meter.</summary>
public sealed class RetentionMetrics
{
    private readonly Counter<long> dropped;
    private readonly Counter<long> failures;

    public RetentionMetrics(IMeterFactory meterFactory)
    {
        var meter = new LaevitasMeter(meterFactory);
        dropped = meter.Counter(LaevitasMetrics.RetentionDroppedPartitions);
        failures = meter.Counter(LaevitasMetrics.RetentionFailures);
    }

    public void PartitionDropped(string table) => dropped.Add(1, new KeyValuePair<string, object?>("table", table));

    public void PassFailed() => failures.Add(1);
}
