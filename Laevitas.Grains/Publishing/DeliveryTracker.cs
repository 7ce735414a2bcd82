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

    /// <param name="count">Ticks of the call.</param>
    /// <param name="onDelivered">
    /// The publisher's handler, given this tracker: it settles the tick itself, at once or — for a tick taken back from
    /// the producer into the spool — once the spool has it on disk.
    /// </param>
    public DeliveryTracker(int count, Action<DeliveryReport<RawTick, byte[]>, DeliveryTracker> onDelivered)
    {
        remaining = count;
        Handler = report => onDelivered(report, this);
    }

    public Action<DeliveryReport<RawTick, byte[]>> Handler { get; }

    public Task Task => completion.Task;

    public void Settled() => Settled(1);

    public void Settled(int count)
    {
        if (count > 0 && Interlocked.Add(ref remaining, -count) == 0)
        {
            completion.TrySetResult();
        }
    }

    /// <summary>Some ticks could not be made safe (the spool's fsync failed): the caller must not take them as safe.</summary>
    public void Fail(Exception error) => completion.TrySetException(error);
}
