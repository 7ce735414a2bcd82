using System.Globalization;
using Laevitas.LocalInfrastructure.Kafka;
using Laevitas.Streaming.Kafka;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.EndToEnd;

/// <summary>
/// What an end-to-end test's silo runs on besides PostgreSQL: a private Kafka cluster (so the test's load disturbs no
/// other) and a spool directory, both removed on <see cref="Dispose"/>, and the silo settings that point at them.
/// </summary>
internal sealed class PipelineInfrastructure(string spoolPrefix) : IDisposable
{
    private readonly string spoolDirectory = Path.Combine(Path.GetTempPath(), "laevitas-tests", spoolPrefix + Guid.NewGuid().ToString("N")[..8]);
    private readonly MockKafkaCluster kafka = KafkaFixture.StartPrivateCluster();

    /// <summary>
    /// Creates the tick topic and the topics the silo provisions next to it (dead letters, trades: the mock cannot
    /// create topics on request), and returns the feed's fast settings for <paramref name="simulatorUrl"/> with the
    /// database, Kafka and spool filled in.
    /// </summary>
    public Dictionary<string, string?> SiloSettings(string simulatorUrl, string connectionString, string topic, int partitions)
    {
        var options = new KafkaOptions { Topic = topic };
        kafka.CreateTopic(topic, partitions);
        kafka.CreateTopic(options.DeadLetterTopicName, partitions);
        kafka.CreateTopic(options.TradesTopicName, partitions);
        var settings = FeedHarness.FastSettings(simulatorUrl);
        settings["ConnectionStrings:Postgres"] = connectionString;
        settings["Kafka:BootstrapServers"] = kafka.BootstrapServers;
        settings["Kafka:Topic"] = topic;
        settings["Kafka:Partitions"] = partitions.ToString(CultureInfo.InvariantCulture);
        settings["Publisher:SpoolDirectory"] = spoolDirectory;
        return settings;
    }

    /// <summary>
    /// The silo's own last warnings, then Orleans' and the libraries', for the message of a failed check: the pipeline's
    /// (a feed's reconnect, a spool) explain a failure, and a burst of the runtime's (thread-pool stalls) must not hide them.
    /// </summary>
    public static string Warnings(SiloApiHost silo)
    {
        var warnings = silo.Logs.Entries.Where(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning).ToList();
        var own = warnings.Where(e => e.Category.StartsWith("Laevitas.", StringComparison.Ordinal)).TakeLast(8);
        var others = warnings.Where(e => !e.Category.StartsWith("Laevitas.", StringComparison.Ordinal)).TakeLast(3);
        return "silo warnings: " + string.Join(" / ", own.Concat(others).Select(e => $"{e.Category}: {e.Message}"));
    }

    public void Dispose()
    {
        kafka.Dispose();
        if (Directory.Exists(spoolDirectory))
        {
            Directory.Delete(spoolDirectory, recursive: true);
        }
    }
}
