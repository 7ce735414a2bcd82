using System.Text.Json;
using Confluent.Kafka;
using Laevitas.Streaming.Kafka;

namespace Laevitas.Tests.Infrastructure;

/// <summary>Reads a whole test topic from the beginning in a fresh consumer group, with raw values and headers.</summary>
internal static class TopicReader
{
    /// <summary>Reads until <paramref name="expected"/> messages arrived plus a grace period (so duplicates would show), or the timeout.</summary>
    public static Task<List<ConsumeResult<string, byte[]>>> ReadAsync(KafkaOptions options, int expected, TimeSpan timeout) =>
        Task.Run(() =>
        {
            var config = KafkaClientConfigs.Consumer(options, $"test-{Guid.NewGuid():N}", "grains-test-reader");
            using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
            consumer.Subscribe(options.Topic);
            var received = new List<ConsumeResult<string, byte[]>>();
            var deadline = DateTime.UtcNow + timeout;
            DateTime? graceEnd = null;
            while (DateTime.UtcNow < (graceEnd ?? deadline))
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
                if (result is not null)
                {
                    received.Add(result);
                }

                if (received.Count >= expected && graceEnd is null)
                {
                    graceEnd = DateTime.UtcNow + TimeSpan.FromSeconds(1);
                }
            }

            consumer.Close();
            return received;
        });

    /// <summary>The exchange timestamp of a tick record: the <c>timestamp</c> field of its JSON value.</summary>
    public static long ExchangeTimestamp(byte[] value)
    {
        using var json = JsonDocument.Parse(value);
        return json.RootElement.GetProperty("timestamp").GetInt64();
    }
}
