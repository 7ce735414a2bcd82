namespace Laevitas.DeribitSimulator.Universe;

/// <summary>Above <see cref="AbovePrice"/> the instrument's prices move in steps of <see cref="TickSize"/>.</summary>
public sealed record TickSizeStep(double AbovePrice, double TickSize);
