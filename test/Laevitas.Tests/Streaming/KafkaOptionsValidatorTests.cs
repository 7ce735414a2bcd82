using Laevitas.Streaming.Kafka;

namespace Laevitas.Tests.Streaming;

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
    public void TheTradesTopicDefaultsToTheTickTopicWithATradesSuffix()
    {
        Assert.Equal("deribit-trades", Valid().TradesTopicName);
        Assert.Equal("own", new KafkaOptions { Topic = "deribit", TradesTopic = "own" }.TradesTopicName);
    }

    [Theory]
    [InlineData("deribit", "must differ")]
    [InlineData("deribit-dead-letter", "must differ")]
    [InlineData("trades/deribit", "'/'")]
    public void ATradesTopicThatIsTheTickOrDeadLetterTopicOrIllegalIsRejected(string tradesTopic, string reason)
    {
        var options = Valid();
        options.TradesTopic = tradesTopic;

        var result = new KafkaOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Kafka:TradesTopic", result.FailureMessage);
        Assert.Contains(reason, result.FailureMessage);
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

    [Fact]
    public void ClientOverridesReachEveryClientAndKindOverridesOnlyTheirOwn()
    {
        var options = Valid();
        options.Client["security.protocol"] = "sasl_ssl";
        options.Producer["linger.ms"] = "40";
        options.Consumer["fetch.wait.max.ms"] = "20";

        Assert.True(new KafkaOptionsValidator().Validate(null, options).Succeeded);
        var producer = KafkaClientConfigs.Producer(options, "p");
        var consumer = KafkaClientConfigs.Consumer(options, "g", "c");
        var admin = KafkaClientConfigs.Admin(options, "a");

        Assert.Equal(40, producer.LingerMs);
        Assert.Equal(20, consumer.FetchWaitMaxMs);
        Assert.Null(producer.Get("fetch.wait.max.ms"));
        Assert.All(new Confluent.Kafka.ClientConfig[] { producer, consumer, admin }, c => Assert.Equal(Confluent.Kafka.SecurityProtocol.SaslSsl, c.SecurityProtocol));
        // Untouched tuned defaults stay.
        Assert.Equal(Confluent.Kafka.CompressionType.Lz4, producer.CompressionType);
    }

    [Theory]
    [InlineData("Producer", "enable.idempotence", "sets enable.idempotence itself")]
    [InlineData("Producer", "acks", "sets acks itself")]
    [InlineData("Producer", "queue.buffering.max.messages", "Publisher:BufferMaxMessages")]
    [InlineData("Consumer", "enable.auto.offset.store", "sets enable.auto.offset.store itself")]
    [InlineData("Consumer", "group.id", "sets group.id itself")]
    [InlineData("Client", "bootstrap.servers", "sets bootstrap.servers itself")]
    [InlineData("Client", " linger.ms", "padded")]
    public void OverridesOfWhatTheGuaranteesRestOnAreRefused(string section, string key, string reason)
    {
        var options = Valid();
        var overrides = section switch { "Producer" => options.Producer, "Consumer" => options.Consumer, _ => options.Client };
        overrides[key] = "1";

        var result = new KafkaOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains($"Kafka:{section}", result.FailureMessage);
        Assert.Contains(reason, result.FailureMessage);
    }
}
