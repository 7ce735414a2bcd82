using Laevitas.Grains.Instruments;
using Laevitas.Grains.Publishing;
using Laevitas.Silo.Embedded;
using Laevitas.Grains.Storage;
using Laevitas.Silo.Feed;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Laevitas.Silo.Dispatch;

/// <summary>Wires feed → instrument grains → Kafka into the silo.</summary>
public static class DispatchHostingExtensions
{
    /// <summary>
    /// Adds grain storage on PostgreSQL, the instrument grains' services (publisher, options) and
    /// <see cref="GrainTickSink"/> as the feed's <see cref="ITickSink"/> (section <c>Dispatch</c>).
    /// </summary>
    public static ISiloBuilder AddLaevitasInstrumentPipeline(this ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.AddLaevitasGrainStorage();
        silo.AddLaevitasInstruments();
        var services = silo.Services;
        // Lets the publisher keep unacknowledged ticks (broker away at shutdown) in its spool instead of losing them.
        services.TryAddSingleton<IProducerQueuePurger, LibRdKafkaProducerPurger>();
        services.AddOptions<DispatchOptions>().BindConfiguration(DispatchOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DispatchOptions>, DispatchOptionsValidator>());
        services.TryAddSingleton<GrainTickSink>();
        // Not TryAdd: this sink replaces the feed's logging placeholder whichever is registered first.
        services.AddSingleton<ITickSink>(sp => sp.GetRequiredService<GrainTickSink>());
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<GrainTickSink>());
        return silo;
    }
}
