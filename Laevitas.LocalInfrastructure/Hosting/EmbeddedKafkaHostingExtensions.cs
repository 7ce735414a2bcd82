using Laevitas.Streaming.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Laevitas.LocalInfrastructure.Hosting;

public static class EmbeddedKafkaHostingExtensions
{
    /// <summary>Brokers of the embedded cluster: enough to exercise leader moves and single-broker outages locally.</summary>
    public const int EmbeddedBrokerCount = 3;

    /// <summary>
    /// <c>Dispatch:PaceBacklog</c> with the embedded broker, unless configured: it keeps about 5 MiB per partition in
    /// memory and deletes older records unread (in the bench from ~300,000 ticks behind on 8 partitions), so the
    /// dispatcher keeps to the writers' pace well before that. The silo's default assumes a real broker's retention.
    /// </summary>
    public const long EmbeddedPaceBacklog = 200_000;

    private const string PaceBacklogKey = "Dispatch:PaceBacklog";

    /// <summary>
    /// When <c>Kafka:BootstrapServers</c> is empty, starts the embedded in-memory broker now — before services are
    /// built, so everything bound from configuration sees its address — creates the tick topic and its dead-letter topic on it
    /// with the configured partitions, sets <c>Dispatch:PaceBacklog</c> for its retention (<see cref="EmbeddedPaceBacklog"/>)
    /// unless configured, and stops it when the host is disposed (after every hosted service has stopped).
    /// </summary>
    public static TBuilder AddEmbeddedKafkaWhenUnconfigured<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var section = builder.Configuration.GetSection(KafkaOptions.SectionName);
        var options = section.Get<KafkaOptions>() ?? new KafkaOptions();
        if (!string.IsNullOrWhiteSpace(options.BootstrapServers))
        {
            return builder;
        }

        var cluster = MockKafkaCluster.Create(EmbeddedBrokerCount);
        try
        {
            // Invalid settings are left to KafkaOptionsValidator, which reports them clearly at start.
            if (KafkaOptionsValidator.TopicNameProblem(options.Topic) is null && options.Partitions >= 1)
            {
                var replication = Math.Clamp((int)options.ReplicationFactor, 1, EmbeddedBrokerCount);
                cluster.CreateTopic(options.Topic, options.Partitions, replication);
                // The mock has no CreateTopics API, so the stream provider's provisioning cannot create it later.
                if (KafkaOptionsValidator.TopicNameProblem(options.DeadLetterTopicName) is null && options.DeadLetterTopicName != options.Topic)
                {
                    cluster.CreateTopic(options.DeadLetterTopicName, options.Partitions, replication);
                }

                // The trades topic, read by its own stream provider, likewise.
                if (KafkaOptionsValidator.TopicNameProblem(options.TradesTopicName) is null
                    && options.TradesTopicName != options.Topic && options.TradesTopicName != options.DeadLetterTopicName)
                {
                    cluster.CreateTopic(options.TradesTopicName, options.Partitions, replication);
                }
            }
        }
        catch
        {
            cluster.Dispose();
            throw;
        }

        section[nameof(KafkaOptions.BootstrapServers)] = cluster.BootstrapServers;
        if (string.IsNullOrWhiteSpace(builder.Configuration[PaceBacklogKey]))
        {
            builder.Configuration[PaceBacklogKey] = EmbeddedPaceBacklog.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        builder.Services.AddSingleton(cluster);
        builder.Services.AddHostedService<EmbeddedKafkaLifetime>();
        return builder;
    }
}
