namespace Laevitas.DeribitSimulator.Settlements;

/// <summary>One simulated settlement: the price an index delivered at on a day's 08:00 UTC.</summary>
public readonly record struct SimulatedDeliveryPrice(DateOnly Date, double DeliveryPrice);
