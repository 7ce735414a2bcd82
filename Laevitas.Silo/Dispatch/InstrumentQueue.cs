using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Grains.Abstractions.Ticks;

namespace Laevitas.Silo.Dispatch;

/// <summary>
/// Ticks of one instrument waiting for its grain. <see cref="Scheduled"/> is true from the moment the queue is
/// handed to the pump until its call returns with nothing left behind: so there is never more than one call per
/// instrument in flight, which is what keeps its ticks in order. Guarded by locking the instance.
/// </summary>
internal sealed class InstrumentQueue(IInstrumentGrain grain)
{
    public IInstrumentGrain Grain { get; } = grain;

    public List<RawTick> Ticks { get; } = new(4);

    public bool Scheduled { get; set; }
}
