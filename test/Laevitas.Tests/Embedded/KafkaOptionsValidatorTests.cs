using Laevitas.Grains.Kafka;

namespace Laevitas.Tests.Embedded;

public sealed class KafkaOptionsValidatorTests
{
    private static KafkaOptions Valid() => new() { BootstrapServers = "localhost:9092", Topic = "deribit", Partitions = 8, ReplicationFactor = 1 };

    [Fact]
    public void DefaultsWithAnAddressAreValid()
    {
        Assert.True(new KafkaOptionsValidator().Validate(null, Valid()).Succeeded);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData(".", "reserved")]
    [InlineData("..", "reserved")]
    [InlineData("ticks/deribit", "'/'")]
    [InlineData("tick s", "' '")]
    [InlineData("ticks€", "'€'")]
    public void IllegalTopicNamesAreRejectedWithTheReason(string topic, string reason)
    {
        var options = Valid();
        options.Topic = topic;

        var result = new KafkaOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(reason, result.FailureMessage);
        Assert.Contains("Kafka:Topic", result.FailureMessage);
    }

    [Fact]
    public void OverlongTopicNameIsRejected()
    {
        var options = Valid();
        options.Topic = new string('t', KafkaOptionsValidator.MaxTopicNameLength + 1);

        Assert.True(new KafkaOptionsValidator().Validate(null, options).Failed);
    }

    [Fact]
    public void ZeroPartitionsReplicationAndMissingAddressAreAllReported()
    {
        var options = new KafkaOptions { BootstrapServers = " ", Partitions = 0, ReplicationFactor = 0 };

        var result = new KafkaOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Kafka:Partitions", result.FailureMessage);
        Assert.Contains("Kafka:ReplicationFactor", result.FailureMessage);
        Assert.Contains("Kafka:BootstrapServers", result.FailureMessage);
    }
}
