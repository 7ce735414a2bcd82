namespace Laevitas.Grains.Abstractions.Trades;

/// <summary>
/// Several trades of one instrument, in the order the feed read them. Immutable for the same reason as
/// <see cref="Ticks.TickBatch"/>: a call inside one silo passes the array by reference.
/// </summary>
[GenerateSerializer, Immutable]
public sealed class TradeBatch(RawTrade[] trades, SiloAddress? sender = null)
{
    [Id(0)] public RawTrade[] Trades { get; } = trades;

    /// <summary>The silo whose feed dispatcher sent the batch (see <see cref="Ticks.TickBatch.Sender"/>).</summary>
    [Id(1)] public SiloAddress? Sender { get; } = sender;
}
