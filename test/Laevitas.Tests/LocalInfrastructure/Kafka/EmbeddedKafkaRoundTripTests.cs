using System.Text;
using Confluent.Kafka;
using Laevitas.Streaming.Kafka;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.LocalInfrastructure.Kafka;

[Collection(KafkaCollection.Name)]
public sealed class EmbeddedKafkaRoundTripTests(KafkaFixture kafka)
{
    [Fact]
    public async Task MessagesRoundTripThroughSeveralPartitionsKeepingPerKeyOrder()
    {
        const int partitions = 4;
        const int keys = 24;
        const int perKey = 50;
        var topic = await kafka.CreateTopicAsync(nameof(MessagesRoundTripThroughSeveralPartitionsKeepingPerKeyOrder), partitions);
        var options = kafka.Options(topic, partitions);

        using (var producer = new ProducerBuilder<string, string>(KafkaClientConfigs.Producer(options, "round-trip")).Build())
        {
            // Interleave keys so that per-key order is a real property of the path, not of the send loop.
            for (var seq = 0; seq < perKey; seq++)
            {
                for (var k = 0; k < keys; k++)
                {
                    producer.Produce(topic, new Message<string, string> { Key = $"BTC-{k}", Value = seq.ToString() });
                }
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        var received = await KafkaTestClient.ConsumeAsync(options, keys * perKey, TimeSpan.FromSeconds(30));

        Assert.Equal(keys * perKey, received.Count);
        Assert.True(received.Select(r => r.Partition.Value).Distinct().Count() > 1, "messages should spread over several partitions");
        foreach (var byKey in received.GroupBy(r => r.Message.Key))
        {
            Assert.Single(byKey.Select(r => r.Partition.Value).Distinct());
            Assert.Equal(Enumerable.Range(0, perKey).Select(i => i.ToString()), byKey.Select(r => r.Message.Value));
        }
    }
}
