using System.Diagnostics.Metrics;
using Laevitas.Diagnostics;

namespace Laevitas.Tests.Grains.Retention;

/// <summary>Sums what retention adds to its dropped-partitions counter on one meter factory's meter, per table.</summary>
internal sealed class DroppedPartitionsListener : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly Dictionary<string, long> totals = [];

    public DroppedPartitionsListener(IMeterFactory factory)
    {
        var meter = new LaevitasMeter(factory).Meter;
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, meter) && instrument.Name == LaevitasMetrics.RetentionDroppedPartitions.Name)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "table")
                {
                    var table = (string)tag.Value!;
                    totals[table] = totals.GetValueOrDefault(table) + value;
                }
            }
        });
        listener.Start();
    }

    public long Total(string table) => totals.GetValueOrDefault(table);

    public void Dispose() => listener.Dispose();
}
