using Laevitas.Streaming.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Laevitas.Grains.Publishing;

/// <summary>
/// Starts the publisher before grains can be called and stops it after they are deactivated: the
/// <see cref="ServiceLifecycleStage.ApplicationServices"/> stage starts before the silo becomes active and
/// stops after its grain deactivation stage. The topic is created first if it is missing.
/// </summary>
internal sealed partial class PublisherLifecycle(
    KafkaTickPublisher publisher,
    IOptions<KafkaOptions> kafkaOptions,
    ILogger<PublisherLifecycle> logger) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private static readonly TimeSpan ProvisioningTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan ProvisioningRetry = TimeSpan.FromSeconds(10);
    private readonly CancellationTokenSource stopping = new();

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(PublisherLifecycle), ServiceLifecycleStage.ApplicationServices, StartAsync, StopAsync);

    public void Dispose() => stopping.Dispose();

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await KafkaTopicProvisioner.EnsureTopicAsync(kafkaOptions.Value, ProvisioningTimeout, logger, cancellationToken);
        }
        catch (KafkaProvisioningException ex)
        {
            // An unreachable broker must not keep the silo (and the feed) down: ticks wait in the publisher's
            // buffers meanwhile, and the topic is created as soon as the broker answers.
            LogProvisioningDeferred(logger, ex, kafkaOptions.Value.Topic, ProvisioningRetry);
            _ = Task.Run(() => RetryProvisioningAsync(stopping.Token), CancellationToken.None);
        }

        await publisher.StartAsync(cancellationToken);
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await stopping.CancelAsync();
        await publisher.StopAsync(cancellationToken);
    }

    private async Task RetryProvisioningAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(ProvisioningRetry, cancellationToken);
                await KafkaTopicProvisioner.EnsureTopicAsync(kafkaOptions.Value, ProvisioningTimeout, logger, cancellationToken);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (KafkaProvisioningException ex)
            {
                LogProvisioningDeferred(logger, ex, kafkaOptions.Value.Topic, ProvisioningRetry);
            }
        }
    }

    [LoggerMessage(EventId = 2226, Level = LogLevel.Warning, Message = "Could not make sure Kafka topic {Topic} exists; retrying every {Retry}")]
    private static partial void LogProvisioningDeferred(ILogger logger, Exception exception, string topic, TimeSpan retry);
}
