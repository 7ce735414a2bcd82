namespace Laevitas.ChaosTests.Infrastructure;

/// <summary>
/// Ticks a fault may lose on the exchange side, by design: ticks the exchange wrote to a socket that died before the
/// feed read them (there is no replay for ticker channels). Missing ticks must all fall inside an allowance (the
/// instruments it names, or all, with exchange timestamps in [<see cref="FromMs"/>, <see cref="ToMs"/>]); the
/// number of ledger ticks inside it is the case's "expected bound".
/// </summary>
public sealed record LossAllowance(string Reason, long FromMs, long ToMs, IReadOnlySet<string>? Instruments = null)
{
    public bool Covers(string instrument, long timestamp) =>
        timestamp >= FromMs && timestamp <= ToMs && (Instruments is null || Instruments.Contains(instrument));
}
