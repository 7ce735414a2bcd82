using Orleans.Runtime.Providers;

namespace Laevitas.Streaming.Kafka.Providers;

/// <summary>
/// How long the pulling agent waits before re-delivering a batch the writer could not store. Orleans' default grows
/// to 30 s, which would leave the stream idle for up to half a minute after the database is back; the writer already
/// retries inside each delivery, so short waits here are enough.
/// </summary>
internal sealed class KafkaRedeliveryBackoff(TimeSpan min, TimeSpan max) : IMessageDeliveryBackoffProvider
{
    public TimeSpan Next(int attempt)
    {
        var exponent = Math.Clamp(attempt, 0, 16);
        var delay = Math.Min(max.TotalMilliseconds, min.TotalMilliseconds * (1L << exponent));
        // Jitter so that partitions that failed together do not all hit the database in the same instant.
        return TimeSpan.FromMilliseconds(delay * (0.8 + (0.4 * Random.Shared.NextDouble())));
    }
}
