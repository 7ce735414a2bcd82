namespace Laevitas.DeribitSimulator.Ledger;

/// <summary>
/// The index channels' values the simulator sent to at least one subscriber (kept when
/// <see cref="SimulatorOptions.RecordEmitted"/> is on; counted always), so storage can be reconciled value by value.
/// </summary>
public sealed class IndexLedger : RecordingLedger<SimulatedIndexValue>
{
    internal IndexLedger(bool enabled)
        : base(enabled)
    {
    }

    /// <summary>Values sent so far (each counted once however many subscribers got it).</summary>
    public long TotalSent => Recorded;
}
