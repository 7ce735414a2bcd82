using Laevitas.Streaming.Kafka.Native;
using Confluent.Kafka;
using Laevitas.LocalInfrastructure.Kafka;
using ErrorCode = Confluent.Kafka.ErrorCode;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.LocalInfrastructure.Kafka;

[Collection(KafkaCollection.Name)]
public sealed class MockKafkaClusterNativeTests(KafkaFixture kafka)
{
    [Fact]
    public void MockClusterRunsInTheSameLibrdkafkaThatConfluentKafkaLoaded()
    {
        // A Confluent client and the fixture's mock cluster are both alive here.
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        Assert.NotEmpty(kafka.BootstrapServers);

        var mapped = LibRdKafkaLoader.MappedLibrdkafkaFiles();

        var only = Assert.Single(mapped);
        Assert.Equal(only, MockKafkaCluster.NativeLibraryPath);
    }

    [Fact]
    public void BootstrapServersListOneLoopbackAddressPerBroker()
    {
        using var cluster = MockKafkaCluster.Create(brokers: 2);

        var addresses = cluster.BootstrapServers.Split(',');

        Assert.Equal(2, addresses.Length);
        Assert.All(addresses, a => Assert.StartsWith("127.0.0.1:", a));
        Assert.Equal([1, 2], cluster.BrokerIds);
    }

    [Fact]
    public void CreatingAnExistingTopicReportsItAndUnknownBrokersAreRefused()
    {
        using var cluster = MockKafkaCluster.Create(brokers: 1);
        cluster.CreateTopic("twice", 2);

        Assert.Equal(ErrorCode.TopicAlreadyExists, cluster.TryCreateTopic("twice", 2));
        Assert.Throws<KafkaException>(() => cluster.CreateTopic("twice", 2));
        cluster.DeleteTopic("twice");
        Assert.Equal(ErrorCode.NoError, cluster.TryCreateTopic("twice", 2));
        Assert.Throws<KafkaException>(() => cluster.DeleteTopic("never-created"));
        Assert.Throws<KafkaException>(() => cluster.SetBrokerDown(42));
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.CreateTopic("too-many-replicas", 1, replicationFactor: 2));
    }

    [Fact]
    public void DisposedClusterRefusesFurtherCommands()
    {
        var cluster = MockKafkaCluster.Create(brokers: 1);
        cluster.Dispose();
        cluster.Dispose(); // idempotent

        Assert.Throws<ObjectDisposedException>(() => cluster.SetBrokerDown(1));
        Assert.Throws<ObjectDisposedException>(() => cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.RequestTimedOut));
    }
}
