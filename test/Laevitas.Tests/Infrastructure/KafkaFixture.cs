using Laevitas.Testing;
using Confluent.Kafka;
using Laevitas.Streaming.Kafka;
using Laevitas.LocalInfrastructure.Kafka;
using ErrorCode = Confluent.Kafka.ErrorCode;

namespace Laevitas.Tests.Infrastructure;

/// <summary>
/// One embedded Kafka cluster (librdkafka mock cluster, real Kafka protocol on loopback) shared by the tests
/// of a collection: <c>[Collection(KafkaCollection.Name)]</c>. Give every test its own topic
/// (<see cref="CreateTopicAsync"/> makes the name unique). Tests that set brokers down or inject errors must
/// not do it here — they would disturb the other tests — but start their own with <see cref="StartPrivateCluster"/>.
/// Mock-cluster limits to design tests around: each partition keeps only its newest ~5 MiB (compressed); there
/// is no CreateTopics API (create topics here); and a consumer that subscribe()s to a group right after its
/// previous member left waits ~session.timeout.ms before it gets partitions — use Assign() with the group only
/// holding offsets (commits and Offset.Stored work), or a fresh group id.
/// </summary>
public sealed class KafkaFixture : IDisposable
{
    private static int topicCounter;

    public KafkaFixture()
    {
        Cluster = StartPrivateCluster();
    }

    public MockKafkaCluster Cluster { get; }

    public string BootstrapServers => Cluster.BootstrapServers;

    /// <summary>
    /// A fresh mock cluster for tests that inject faults; dispose it at the end of the test. New consumer
    /// groups rebalance at once instead of after the default 3 s wait for more members.
    /// </summary>
    public static MockKafkaCluster StartPrivateCluster(int brokers = 3)
    {
        var cluster = MockKafkaCluster.Create(brokers);
        cluster.SetGroupInitialRebalanceDelay(TimeSpan.Zero);
        return cluster;
    }

    /// <summary>Creates a topic named after <paramref name="name"/> plus a unique suffix, waits until it is visible, returns its name.</summary>
    public Task<string> CreateTopicAsync(string name, int partitions) => CreateTopicAsync(Cluster, name, partitions);

    /// <inheritdoc cref="CreateTopicAsync(string, int)"/>
    public static async Task<string> CreateTopicAsync(MockKafkaCluster cluster, string name, int partitions)
    {
        var baseName = Sanitize(name);
        if (baseName.Length > 150)
        {
            baseName = baseName[..150];
        }

        var topic = $"{baseName}-{Interlocked.Increment(ref topicCounter)}-{Guid.NewGuid().ToString("N")[..8]}";
        cluster.CreateTopic(topic, partitions);
        // The stream provider provisions the dead-letter topic next to the tick topic; the mock cannot create topics
        // on request, so it is made here.
        cluster.CreateTopic(new KafkaOptions { Topic = topic }.DeadLetterTopicName, partitions);
        // And the trades topic a silo derives from the tick topic ({topic}-trades), read by the trade stream provider.
        cluster.CreateTopic(new KafkaOptions { Topic = topic }.TradesTopicName, partitions);

        // The mock creates topics synchronously, but wait until metadata shows every partition with a leader so
        // a test never races the cluster.
        using var admin = new AdminClientBuilder(KafkaClientConfigs.Admin(Options(cluster.BootstrapServers, topic, partitions), "test-fixture")).Build();
        await Eventually.TrueAsync(
            () =>
            {
                var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(5));
                var t = metadata.Topics.Find(x => x.Topic == topic);
                return t is { Error.Code: ErrorCode.NoError } && t.Partitions.Count == partitions && t.Partitions.TrueForAll(p => p.Leader > 0);
            },
            TimeSpan.FromSeconds(10),
            $"topic {topic} with {partitions} partitions to be visible");
        return topic;
    }

    /// <summary>Options for the tick topic pointing at this cluster.</summary>
    public KafkaOptions Options(string topic, int partitions) => Options(BootstrapServers, topic, partitions);

    public static KafkaOptions Options(string bootstrapServers, string topic, int partitions) => new()
    {
        BootstrapServers = bootstrapServers,
        Topic = topic,
        Partitions = partitions,
        ReplicationFactor = 1,
    };

    public void Dispose() => Cluster.Dispose();

    private static string Sanitize(string name)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (!(char.IsAsciiLetterOrDigit(chars[i]) || chars[i] is '.' or '_' or '-'))
            {
                chars[i] = '_';
            }
        }

        return chars.Length == 0 ? "topic" : new string(chars);
    }
}
