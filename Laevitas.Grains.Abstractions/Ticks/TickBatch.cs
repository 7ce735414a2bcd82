namespace Laevitas.Grains.Abstractions.Ticks;

/// <summary>
/// Several ticks of one instrument, oldest first. Immutable so that a call inside one silo passes the
/// array by reference instead of deep-copying every payload.
/// </summary>
[GenerateSerializer, Immutable]
public sealed class TickBatch(RawTick[] ticks, SiloAddress? sender = null)
{
    [Id(0)] public RawTick[] Ticks { get; } = ticks;

    /// <summary>
    /// The silo whose feed dispatcher sent the batch, or null when unknown. A grain on that same silo need not hold
    /// the call until Kafka has the ticks: the dispatcher that would send them again dies with it.
    /// </summary>
    [Id(1)] public SiloAddress? Sender { get; } = sender;
}
