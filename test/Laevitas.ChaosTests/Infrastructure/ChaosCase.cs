namespace Laevitas.ChaosTests.Infrastructure;

/// <summary>
/// One fault case: a window of exchange timestamps from <see cref="StartMs"/> to <see cref="EndMs"/> that is
/// reconciled exactly when the case ends, the fault's start and end, and what the case may lose or adds.
/// </summary>
public sealed class ChaosCase
{
    internal ChaosCase(string id, int order, string fault, string duration, long[] startOffsets)
    {
        Id = id;
        Order = order;
        Fault = fault;
        Duration = duration;
        StartOffsets = startOffsets;
        StartMs = ChaosCluster.NowMs();
    }

    public string Id { get; }

    public int Order { get; }

    public string Fault { get; }

    public string Duration { get; }

    /// <summary>Window start (exclusive), exchange ms.</summary>
    public long StartMs { get; }

    /// <summary>Window end (inclusive), exchange ms; set when the case ends.</summary>
    public long EndMs { get; internal set; }

    /// <summary>Topic high watermarks when the case began: every message of the window is at or after them.</summary>
    public long[] StartOffsets { get; }

    public long? FaultStartMs { get; private set; }

    public long? FaultEndMs { get; private set; }

    /// <summary>Where exchange-side loss is allowed (empty: none).</summary>
    public List<LossAllowance> Allowances { get; } = [];

    /// <summary>Valid ticks the case sent itself (not in the simulator's ledger) that must be stored.</summary>
    public HashSet<TickKey> Injected { get; } = [];

    /// <summary>Rows the case accepts in the table although nobody emitted them through the ledger.</summary>
    public HashSet<TickKey> Tolerated { get; } = [];

    public List<string> Notes { get; } = [];

    /// <summary>
    /// Reconcile against every tick the market generated (the simulator's market ledger, for the instruments the feed
    /// follows) instead of the ticks written to sockets: what a case about feed silos must use, since a moment with no
    /// feed subscribed leaves no trace among the ticks sent.
    /// </summary>
    public bool AgainstMarket { get; set; }

    public void FaultStarted() => FaultStartMs = ChaosCluster.NowMs();

    public void FaultEnded() => FaultEndMs = ChaosCluster.NowMs();
}
