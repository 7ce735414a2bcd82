using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Laevitas.Streaming.Kafka;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.Streaming;

[Collection(KafkaCollection.Name)]
public sealed class KafkaTopicProvisionerTests(KafkaFixture kafka)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task EnsuringAnExistingTopicTwiceLeavesItAsItIs()
    {
        var topic = await kafka.CreateTopicAsync("provision-existing", 3);
        // The configuration asks for more partitions than the topic has: an existing topic is never altered.
        var options = kafka.Options(topic, partitions: 8);

        var first = await KafkaTopicProvisioner.EnsureTopicAsync(options, Timeout);
        var second = await KafkaTopicProvisioner.EnsureTopicAsync(options, Timeout);

        Assert.Equal(new TopicProvisioningResult(topic, TopicProvisioningOutcome.AlreadyExisted, 3), first);
        Assert.Equal(first, second);
    }

    [Fact]
    public async Task MissingTopicIsNeverAutoCreatedWithTheBrokerDefaultPartitionCount()
    {
        // The mock cluster cannot create topics through the admin API (it has no CreateTopics handler), so the
        // "Created" path needs a real cluster. What it does show: looking the topic up must not auto-create it
        // with the broker's default partition count (the mock, like Kafka, auto-creates on metadata requests
        // that allow it), and the failure says what went wrong.
        var options = kafka.Options($"provision-missing-{Guid.NewGuid():N}", partitions: 5);

        var error = await Assert.ThrowsAsync<KafkaProvisioningException>(
            () => KafkaTopicProvisioner.EnsureTopicAsync(options, TimeSpan.FromSeconds(2)));

        Assert.Contains(options.Topic, error.Message);
        Assert.Equal(Confluent.Kafka.ErrorCode.NoError, kafka.Cluster.TryCreateTopic(options.Topic, 5));
    }

    [Fact]
    public async Task UnreachableClusterFailsWithinTheTimeoutNamingTheAddress()
    {
        var options = KafkaFixture.Options($"127.0.0.1:{ClosedPort()}", "unreachable", 1);
        var timeout = TimeSpan.FromSeconds(2);
        var stopwatch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<KafkaProvisioningException>(() => KafkaTopicProvisioner.EnsureTopicAsync(options, timeout));

        Assert.True(stopwatch.Elapsed < timeout + TimeSpan.FromSeconds(5), $"gave up after {stopwatch.Elapsed.TotalSeconds:0.#} s");
        Assert.Contains(options.BootstrapServers, error.Message);
        Assert.Contains("BootstrapServers", error.Message);
    }

    /// <summary>A loopback port nothing listens on (bound, then released).</summary>
    private static int ClosedPort()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}
