using System.Collections.Concurrent;
using Laevitas.Grains.Abstractions.Ticks;
using Laevitas.Grains.Publishing;

namespace Laevitas.Tests.Infrastructure;

/// <summary>
/// Stands in for the Kafka publisher where a test needs to see exactly what an instrument grain handed over, and to
/// decide when a publish counts as durable (<see cref="Hold"/>): the grain's accept rule is what is under test, the
/// broker round trip is covered by the publisher's own tests. Shared across test clusters so it outlives a silo.
/// </summary>
internal sealed class RecordingTickPublisher : ITickPublisher
{
    private readonly ConcurrentQueue<RawTick> published = new();
    private TaskCompletionSource? held;

    public IReadOnlyList<RawTick> Published => published.ToArray();

    /// <summary>From now on, publishes complete only when <see cref="Release"/> is called (or never).</summary>
    public void Hold() => held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release()
    {
        var gate = held;
        held = null;
        gate?.TrySetResult();
    }

    public void Publish(RawTick tick) => published.Enqueue(tick);

    public Task PublishAsync(IReadOnlyList<RawTick> ticks)
    {
        foreach (var tick in ticks)
        {
            published.Enqueue(tick);
        }

        return held?.Task ?? Task.CompletedTask;
    }

    public PublisherStatus GetStatus() => new();
}
