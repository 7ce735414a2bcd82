using Confluent.Kafka;
using Laevitas.Streaming.Kafka;

namespace Laevitas.Tests.LocalInfrastructure.Kafka;

/// <summary>Consumes from a test topic with the production consumer settings, in a fresh consumer group.</summary>
internal static class KafkaTestClient
{
    /// <summary>Reads until <paramref name="expected"/> messages arrived (then a short grace for extras) or the timeout passed.</summary>
    public static Task<List<ConsumeResult<string, string>>> ConsumeAsync(KafkaOptions options, int expected, TimeSpan timeout) =>
        Task.Run(() =>
        {
            var config = KafkaClientConfigs.Consumer(options, $"test-{Guid.NewGuid():N}", "test-consumer");
            using var consumer = new ConsumerBuilder<string, string>(config).Build();
            consumer.Subscribe(options.Topic);
            var received = new List<ConsumeResult<string, string>>();
            var deadline = DateTime.UtcNow + timeout;
            DateTime? graceEnd = null;
            while (DateTime.UtcNow < (graceEnd ?? deadline))
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
                if (result is not null)
                {
                    received.Add(result);
                }

                // Once everything expected is in, keep reading briefly so duplicates would show up.
                if (received.Count >= expected && graceEnd is null)
                {
                    graceEnd = DateTime.UtcNow + TimeSpan.FromMilliseconds(500);
                }
            }

            consumer.Close();
            return received;
        });
}
