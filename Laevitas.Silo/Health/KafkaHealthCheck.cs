using Confluent.Kafka;
using Laevitas.Streaming.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Laevitas.Silo.Health;

/// <summary>
/// Healthy when a Kafka broker answers a metadata request for the tick topic within <see cref="Timeout"/>. One admin
/// client is kept for the life of the silo: creating one per probe would open new broker connections every few seconds.
/// </summary>
internal sealed class KafkaHealthCheck(IOptions<KafkaOptions> options, ILogger<KafkaHealthCheck> logger) : IHealthCheck, IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    private readonly Lock gate = new();
    private IAdminClient? admin;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var kafka = options.Value;
        try
        {
            var client = Admin(kafka);
            // GetMetadata blocks its thread for up to the timeout; keep it off the request thread.
            var metadata = await Task.Run(() => client.GetMetadata(kafka.Topic, Timeout), cancellationToken);
            var topic = metadata.Topics.Find(t => t.Topic == kafka.Topic);
            var data = new Dictionary<string, object> { ["brokers"] = metadata.Brokers.Count, ["topic"] = kafka.Topic };
            if (metadata.Brokers.Count == 0)
            {
                return new HealthCheckResult(context.Registration.FailureStatus, $"No Kafka broker answers at {kafka.BootstrapServers}", data: data);
            }

            // A missing topic is not a broker outage: the publisher creates it and buffers meanwhile.
            var topicState = topic is { Error.Code: Confluent.Kafka.ErrorCode.NoError } ? $"topic {kafka.Topic} has {topic.Partitions.Count} partitions" : $"topic {kafka.Topic} not found yet";
            return HealthCheckResult.Healthy($"{metadata.Brokers.Count} Kafka broker(s) answer; {topicState}", data);
        }
        catch (KafkaException ex)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"Kafka at {kafka.BootstrapServers} did not answer within {Timeout.TotalSeconds:0.#} s: {ex.Error.Reason}", ex);
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            admin?.Dispose();
            admin = null;
        }
    }

    private IAdminClient Admin(KafkaOptions kafka)
    {
        lock (gate)
        {
            return admin ??= new AdminClientBuilder(KafkaClientConfigs.Admin(kafka, "laevitas-health"))
                // librdkafka logs every failed connection attempt; the probe result already says the broker is down.
                .SetLogHandler((_, message) => logger.LogDebug("librdkafka {Facility}: {Message}", message.Facility, message.Message))
                .SetErrorHandler((_, error) => logger.LogDebug("Kafka health client: {Reason}", error.Reason))
                .Build();
        }
    }
}
