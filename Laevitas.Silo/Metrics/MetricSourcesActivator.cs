using Laevitas.Feed;

namespace Laevitas.Silo.Metrics;

/// <summary>
/// Resolves the singletons that own "Laevitas" instruments (their constructors create them) so that series exist
/// before the first tick, instead of appearing only when the component is first used.
/// </summary>
internal sealed class MetricSourcesActivator(IServiceProvider services) : IHostedService
{
    // Looked up by type so that the list can name components a silo may not register (e.g. a silo without the feed).
    private static readonly Type[] Sources =
    [
        typeof(FeedMetrics),
        typeof(Grains.Publishing.KafkaTickPublisher),
        typeof(Grains.Writing.TickWriterStatus),
        typeof(Streaming.Kafka.Providers.KafkaStreamStatus),
        typeof(Grains.Instruments.InstrumentAcceptStatus),
        typeof(Grains.Instruments.InstrumentStateStatus),
        typeof(Api.Authentication.ApiAuthenticationMetrics),
    ];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var type in Sources)
        {
            _ = services.GetService(type);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
