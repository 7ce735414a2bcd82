using Laevitas.Testing;
using Laevitas.Streaming.Kafka;
using Laevitas.LocalInfrastructure.Kafka;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.LocalInfrastructure.Kafka;

public sealed class EmbeddedKafkaBrokerCommandTests
{
    [Fact]
    public async Task BrokerCommandPublishesItsAddressServesTheTopicAndRemovesTheFileOnStop()
    {
        var directory = Directory.CreateTempSubdirectory("laevitas-kafka-broker-");
        var addressFile = Path.Combine(directory.FullName, "bootstrap");
        using var stop = new CancellationTokenSource();
        try
        {
            var run = EmbeddedKafkaBrokerCommand.RunAsync(
                ["--brokers", "1", "--topic", "ticks", "--partitions", "3", "--address-file", addressFile], stop.Token);

            await Eventually.TrueAsync(() => File.Exists(addressFile) || run.IsCompleted, TimeSpan.FromSeconds(10), "the address file");
            Assert.False(run.IsCompleted, "the broker stopped on its own");
            var address = File.ReadAllText(addressFile).Trim();
            var ensured = await KafkaTopicProvisioner.EnsureTopicAsync(
                KafkaFixture.Options(address, "ticks", 3), TimeSpan.FromSeconds(5));
            Assert.Equal(new TopicProvisioningResult("ticks", TopicProvisioningOutcome.AlreadyExisted, 3), ensured);

            await stop.CancelAsync();

            Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.False(File.Exists(addressFile));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("--partitions", "0")]
    [InlineData("--topic", "bad/name")]
    [InlineData("--port", "9092")]
    public async Task BadArgumentsExitWithCodeTwo(string option, string value)
    {
        Assert.Equal(2, await EmbeddedKafkaBrokerCommand.RunAsync([option, value], CancellationToken.None));
    }
}
