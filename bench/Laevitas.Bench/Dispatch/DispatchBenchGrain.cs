using Laevitas.Grains.Abstractions.Ticks;

namespace Laevitas.Bench.Dispatch;

public sealed class DispatchBenchGrain : Grain, IDispatchBenchGrain
{
    private static long taken;

    public static long Taken => Interlocked.Read(ref taken);

    public Task TakeAsync(TickBatch batch)
    {
        Interlocked.Add(ref taken, batch.Ticks.Length);
        return Task.CompletedTask;
    }

    public Task TakeOneWayAsync(TickBatch batch) => TakeAsync(batch);
}
