using Laevitas.Streaming.Kafka;
using Laevitas.Streaming.Kafka.Native;
using Laevitas.Grains.Publishing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Laevitas.Grains.Instruments;

/// <summary>Wires the instrument grains' services into a silo.</summary>
public static class InstrumentHostingExtensions
{
    /// <summary>
    /// Adds <see cref="InstrumentGrainOptions"/> (section <c>Instruments</c>), <see cref="PublisherOptions"/> (section
    /// <c>Publisher</c>), <see cref="KafkaOptions"/>, all validated at start, and the <see cref="KafkaTickPublisher"/>
    /// as the silo's <see cref="ITickPublisher"/>, started (after making sure the topic exists) and stopped with the
    /// silo, keeping what the broker had not acknowledged at shutdown in its spool (<see cref="LibRdKafkaProducerPurger"/>).
    /// Grain storage is separate: <see cref="Storage.GrainStorageHostingExtensions.AddLaevitasGrainStorage"/>.
    /// </summary>
    public static ISiloBuilder AddLaevitasInstruments(this ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var services = silo.Services;
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.AddKafkaOptions();
        services.AddOptions<InstrumentGrainOptions>().BindConfiguration(InstrumentGrainOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<InstrumentGrainOptions>, InstrumentGrainOptionsValidator>());
        services.AddOptions<PublisherOptions>().BindConfiguration(PublisherOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PublisherOptions>, PublisherOptionsValidator>());
        services.TryAddSingleton<InstrumentAcceptStatus>();
        services.TryAddSingleton<InstrumentStateStatus>();
        services.TryAddSingleton<IProducerQueuePurger, LibRdKafkaProducerPurger>();
        services.TryAddSingleton<KafkaTickPublisher>();
        services.TryAddSingleton<ITickPublisher>(sp => sp.GetRequiredService<KafkaTickPublisher>());
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, PublisherLifecycle>();
        // Trades: a publisher of their own on Kafka:TradesTopic, provisioned, started and stopped the same way.
        services.TryAddSingleton<KafkaTradePublisher>();
        services.TryAddSingleton<ITradePublisher>(sp => sp.GetRequiredService<KafkaTradePublisher>());
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp =>
        {
            var trades = sp.GetRequiredService<KafkaTradePublisher>();
            return new PublisherLifecycle(trades.Inner, Options.Create(trades.KafkaOptions), sp.GetRequiredService<ILogger<PublisherLifecycle>>());
        });
        return silo;
    }
}
