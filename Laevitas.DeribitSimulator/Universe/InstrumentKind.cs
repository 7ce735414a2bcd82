namespace Laevitas.DeribitSimulator.Universe;

/// <summary>The kinds the simulator lists (a subset of Deribit's: no spot or combos).</summary>
public enum InstrumentKind
{
    Future,
    Option,
}
