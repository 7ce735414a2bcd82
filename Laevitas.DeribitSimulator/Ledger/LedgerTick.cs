namespace Laevitas.DeribitSimulator.Ledger;

/// <summary>A tick's exchange timestamp in a channel's ledger, and whether it is in doubt (see <see cref="EmissionLedger"/>).</summary>
public readonly record struct LedgerTick(long Timestamp, bool InDoubt);
