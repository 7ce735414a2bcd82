using Laevitas.Streaming.Kafka;
using Laevitas.LocalInfrastructure.Kafka;

namespace Laevitas.Tests.Infrastructure;

/// <summary>
/// A broker of one test class's own (so it can take the brokers down without disturbing other classes) and a spool
/// directory of its own; both gone when disposed.
/// </summary>
internal sealed class PrivateBrokerAndSpool(string spoolPrefix) : IDisposable
{
    public MockKafkaCluster Kafka { get; } = KafkaFixture.StartPrivateCluster();

    public string SpoolDirectory { get; } = Path.Combine(Path.GetTempPath(), "laevitas-tests", spoolPrefix + "-" + Guid.NewGuid().ToString("N"));

    /// <summary>A fresh topic on the private broker and the options that point at it.</summary>
    public async Task<KafkaOptions> TopicAsync(string name, int partitions)
    {
        var topic = await KafkaFixture.CreateTopicAsync(Kafka, name, partitions);
        return KafkaFixture.Options(Kafka.BootstrapServers, topic, partitions);
    }

    public void Dispose()
    {
        Kafka.Dispose();
        if (Directory.Exists(SpoolDirectory))
        {
            Directory.Delete(SpoolDirectory, recursive: true);
        }
    }
}
