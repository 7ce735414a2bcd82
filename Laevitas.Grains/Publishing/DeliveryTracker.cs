using Confluent.Kafka;
using Laevitas.Grains.Abstractions.Ticks;

namespace Laevitas.Grains.Publishing;

/// <summary>
/// Completes once every tick of one <see cref="KafkaTickPublisher.PublishAsync"/> call is settled: acknowledged by
/// the broker, written to the spool, or given up on (counted as dropped). One per call, not per tick: the same
/// delivery handler serves every message of the call.
/// </summary>
internal sealed class DeliveryTracker
{
    // Delivery reports arrive on librdkafka's poll thread: continuations must not run there.
    private readonly TaskCompletionSource completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int remaining;

    public DeliveryTracker(int count, Action<DeliveryReport<RawTick, byte[]>> onDelivered)
    {
        remaining = count;
        Handler = report =>
        {
            onDelivered(report);
            Settled();
        };
    }

    public Action<DeliveryReport<RawTick, byte[]>> Handler { get; }

    public Task Task => completion.Task;

    public void Settled()
    {
        if (Interlocked.Decrement(ref remaining) == 0)
        {
            completion.TrySetResult();
        }
    }
}
