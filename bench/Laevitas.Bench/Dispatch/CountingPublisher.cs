using Laevitas.Grains.Abstractions.Ticks;
using Laevitas.Grains.Publishing;

namespace Laevitas.Bench.Dispatch;

/// <summary>Stands in for Kafka: counts what the instrument grains publish.</summary>
internal sealed class CountingPublisher : ITickPublisher
{
    private long published;

    public long Published => Interlocked.Read(ref published);

    public void Publish(RawTick tick) => Interlocked.Increment(ref published);

    public PublisherStatus GetStatus() => new() { Published = Published };
}
