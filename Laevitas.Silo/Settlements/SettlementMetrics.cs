using System.Diagnostics.Metrics;
using Laevitas.Diagnostics;

namespace Laevitas.Silo.Settlements;

/// <summary>The settlement backfill's counters on the shared <c>Laevitas</c> meter.</summary>
public sealed class SettlementMetrics
{
    private static readonly KeyValuePair<string, object?> Inserted = new("change", "inserted");
    private static readonly KeyValuePair<string, object?> Updated = new("change", "updated");

    private readonly Counter<long> rows;
    private readonly Counter<long> calls;
    private readonly Counter<long> failures;

    public SettlementMetrics(IMeterFactory meterFactory)
    {
        var meter = new LaevitasMeter(meterFactory);
        rows = meter.Counter(LaevitasMetrics.SettlementRows);
        calls = meter.Counter(LaevitasMetrics.SettlementCalls);
        failures = meter.Counter(LaevitasMetrics.SettlementFailures);
    }

    public void Stored(int inserted, int updated)
    {
        if (inserted > 0)
        {
            rows.Add(inserted, Inserted);
        }

        if (updated > 0)
        {
            rows.Add(updated, Updated);
        }
    }

    public void Called(int count) => calls.Add(count);

    public void PassFailed() => failures.Add(1);
}
