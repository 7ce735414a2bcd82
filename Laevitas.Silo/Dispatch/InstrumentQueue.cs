using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Grains.Abstractions.Ticks;
using Laevitas.Grains.Abstractions.Trades;

namespace Laevitas.Silo.Dispatch;

/// <summary>
/// Ticks (and trades) of one instrument waiting for its grain. <see cref="Scheduled"/> is true from the moment the queue is
/// handed to the pump until its call returns with nothing left behind: so there is never more than one call per
/// instrument in flight, which is what keeps its ticks in order. Guarded by locking the instance.
/// </summary>
internal sealed class InstrumentQueue(IInstrumentGrain grain)
{
    public IInstrumentGrain Grain { get; } = grain;

    public List<RawTick> Ticks { get; } = new(4);

    /// <summary>Trades of the instrument waiting for its grain: same queue, same single call in flight, so they keep their order too.</summary>
    public List<RawTrade> Trades { get; } = [];

    public bool Scheduled { get; set; }

    /// <summary>1 while this queue's call in flight holds one of the dispatcher's call slots (set and cleared atomically).</summary>
    public int HoldsSlot;

    /// <summary>When the call in flight started (<see cref="TimeProvider.GetTimestamp"/>).</summary>
    public long CallStartedAt;
}
