using System.Collections.Concurrent;

namespace Laevitas.DeribitSimulator.Ledger;

/// <summary>
/// The market's trades: every trade the simulator generated, whether a trades channel carried it or not (when
/// <see cref="SimulatorOptions.RecordEmitted"/> is on), so storage can be reconciled with it value by value.
/// </summary>
public sealed class TradeLedger
{
    private readonly ConcurrentQueue<SimulatedTrade> trades = new();
    private long generated;

    internal TradeLedger(bool enabled) => Enabled = enabled;

    /// <summary>Whether the trades themselves are kept (the total is always counted).</summary>
    public bool Enabled { get; }

    /// <summary>Trades generated so far.</summary>
    public long TotalGenerated => Interlocked.Read(ref generated);

    /// <summary>Every recorded trade, in generation order.</summary>
    public IReadOnlyList<SimulatedTrade> Snapshot() => trades.ToArray();

    internal void Record(SimulatedTrade trade)
    {
        Interlocked.Increment(ref generated);
        if (Enabled)
        {
            trades.Enqueue(trade);
        }
    }
}
