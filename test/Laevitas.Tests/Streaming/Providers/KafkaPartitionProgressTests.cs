using Laevitas.Streaming.Kafka.Providers;

namespace Laevitas.Tests.Streaming.Providers;

public sealed class KafkaPartitionProgressTests
{
    [Fact]
    public void TheEndIsTheFurthestHeardFromEitherSource()
    {
        // The broker's answer (1,500) and then the consumer's older figure from its last fetch (900): the lag stays
        // counted to the broker's end.
        var progress = new KafkaPartitionProgress(partition: 3);
        progress.Committed(400);
        progress.HighWatermark(1_500);
        progress.HighWatermark(900);

        var status = progress.Snapshot();
        Assert.Equal(1_500, status.HighWatermark);
        Assert.Equal(1_100, status.Lag);

        progress.HighWatermark(1_800);
        Assert.Equal(1_400, progress.Snapshot().Lag);
    }
}
