using System.Collections.Concurrent;

namespace Laevitas.DeribitSimulator.Ledger;

/// <summary>
/// The index channels' values the simulator sent to at least one subscriber (kept when
/// <see cref="SimulatorOptions.RecordEmitted"/> is on; counted always), so storage can be reconciled value by value.
/// </summary>
public sealed class IndexLedger
{
    private readonly ConcurrentQueue<SimulatedIndexValue> values = new();
    private long sent;

    internal IndexLedger(bool enabled) => Enabled = enabled;

    public bool Enabled { get; }

    /// <summary>Values sent so far (each counted once however many subscribers got it).</summary>
    public long TotalSent => Interlocked.Read(ref sent);

    /// <summary>Every recorded value, in the order sent.</summary>
    public IReadOnlyList<SimulatedIndexValue> Snapshot() => values.ToArray();

    internal void Record(SimulatedIndexValue value)
    {
        Interlocked.Increment(ref sent);
        if (Enabled)
        {
            values.Enqueue(value);
        }
    }
}
