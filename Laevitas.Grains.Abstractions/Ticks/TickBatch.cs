namespace Laevitas.Grains.Abstractions.Ticks;

/// <summary>
/// Several ticks of one instrument, oldest first. Immutable so that a call inside one silo passes the
/// array by reference instead of deep-copying every payload.
/// </summary>
[GenerateSerializer, Immutable]
public sealed class TickBatch(RawTick[] ticks)
{
    [Id(0)] public RawTick[] Ticks { get; } = ticks;
}
