using Orleans.Concurrency;
using Laevitas.Grains.Abstractions.Ticks;

namespace Laevitas.Bench.Dispatch;

/// <summary>A grain that only counts ticks, to compare ways of calling it.</summary>
public interface IDispatchBenchGrain : IGrainWithStringKey
{
    Task TakeAsync(TickBatch batch);

    [OneWay]
    Task TakeOneWayAsync(TickBatch batch);
}
