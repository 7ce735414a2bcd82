namespace Laevitas.DeribitSimulator.Ledger;

/// <summary>
/// One value the simulator sent on an index channel: <paramref name="Channel"/> is the channel's prefix without the dot
/// (<c>deribit_price_index</c>, <c>deribit_volatility_index</c>, <c>estimated_expiration_price</c>). The estimated
/// expiration price carries no timestamp on the wire (as on Deribit); <paramref name="Timestamp"/> is when it was sent.
/// </summary>
public sealed record SimulatedIndexValue(string Channel, string IndexName, long Timestamp, double Value, long? Seconds, bool? IsEstimated);
