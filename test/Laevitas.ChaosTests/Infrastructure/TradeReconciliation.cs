using Laevitas.Testing.Trades;

namespace Laevitas.ChaosTests.Infrastructure;

/// <summary>
/// One case's window of trades reconciled: every trade the market generated (the simulator's trade ledger, whether a
/// trades channel carried it or not) against <c>deribit_trades</c>, by trade id and value by value.
/// </summary>
/// <param name="Generated">Trades with exchange timestamps in the window.</param>
/// <param name="Stored">Rows in the window.</param>
/// <param name="Missing">Generated but not stored (trade ids).</param>
/// <param name="Phantom">Stored but never generated.</param>
/// <param name="ValuesDiffering">Stored with a value other than the one generated.</param>
public sealed record TradeReconciliation(
    int Generated,
    int Stored,
    IReadOnlyList<string> Missing,
    IReadOnlyList<string> Phantom,
    IReadOnlyList<string> ValuesDiffering)
{
    /// <summary>The first differing trades, each as generated (expected row) and as stored.</summary>
    public IReadOnlyList<string> DifferingDetail { get; init; } = [];

    /// <summary>Generated trades of instruments whose name is in no Deribit shape (stored with no kind).</summary>
    public int WithoutKind { get; init; }

    public static async Task<TradeReconciliation> ReconcileAsync(ChaosCluster cluster, ChaosCase chaosCase, long upToMs)
    {
        var generated = cluster.Simulator.TradeLedger.Snapshot()
            .Where(t => t.Timestamp > chaosCase.StartMs && t.Timestamp <= upToMs)
            .ToDictionary(t => t.TradeId, StringComparer.Ordinal);
        var stored = await StoredTrade.ReadAsync(cluster.Database, chaosCase.StartMs, upToMs);
        var missing = generated.Keys.Where(id => !stored.ContainsKey(id)).ToList();
        var phantom = stored.Keys.Where(id => !generated.ContainsKey(id)).ToList();
        var differing = stored.Where(row => generated.TryGetValue(row.Key, out var trade) && StoredTrade.Expected(trade) != row.Value)
            .Select(row => row.Key)
            .ToList();
        return new TradeReconciliation(generated.Count, stored.Count, missing, phantom, differing)
        {
            WithoutKind = generated.Values.Count(t => StoredTrade.KindOf(t.InstrumentName) is null),
            DifferingDetail = differing.Take(3).Select(id => $"{id}: expected {StoredTrade.Expected(generated[id])}, stored {stored[id]}").ToList(),
        };
    }

    public string Describe() =>
        $"trades generated {Generated} ({WithoutKind} of instruments with no kind in their name), stored {Stored}, missing {Missing.Count}, phantom {Phantom.Count}, values differing {ValuesDiffering.Count}" +
        (Missing.Count > 0 ? $"; first missing: {string.Join(", ", Missing.Take(10))}" : "") +
        (Phantom.Count > 0 ? $"; first phantom: {string.Join(", ", Phantom.Take(10))}" : "") +
        (ValuesDiffering.Count > 0 ? $"; first differing: {string.Join(", ", ValuesDiffering.Take(10))}; {string.Join("; ", DifferingDetail)}" : "");
}
