namespace Laevitas.DeribitSimulator.Ledger;

/// <summary>
/// The market's trades: every trade the simulator generated, whether a trades channel carried it or not (kept when
/// <see cref="SimulatorOptions.RecordEmitted"/> is on; counted always), so storage can be reconciled with it value by value.
/// </summary>
public sealed class TradeLedger : RecordingLedger<SimulatedTrade>
{
    internal TradeLedger(bool enabled)
        : base(enabled)
    {
    }

    /// <summary>Trades generated so far.</summary>
    public long TotalGenerated => Recorded;
}
