using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Laevitas.LocalInfrastructure.Kafka;

/// <summary>
/// Announces the embedded broker once logging is up, and owns its shutdown: the container disposes this after
/// every hosted service has stopped, so producers flush and consumers commit before the broker disappears.
/// </summary>
internal sealed partial class EmbeddedKafkaLifetime(MockKafkaCluster cluster, ILogger<EmbeddedKafkaLifetime> logger) : IHostedService, IDisposable
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        MockKafkaCluster.LogStarted(logger, cluster.BrokerCount, cluster.BootstrapServers, MockKafkaCluster.NativeLibraryPath ?? "(unknown)");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        cluster.Dispose();
        LogStopped(logger, cluster.BootstrapServers);
    }

    [LoggerMessage(EventId = 6004, Level = LogLevel.Information, Message = "Embedded Kafka at {BootstrapServers} stopped; its data is gone")]
    private static partial void LogStopped(ILogger logger, string bootstrapServers);
}
