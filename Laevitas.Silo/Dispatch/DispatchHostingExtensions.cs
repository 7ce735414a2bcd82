using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Laevitas.Silo.Dispatch;

/// <summary>Wires the dispatch stage (feed → instrument grains) into the silo.</summary>
public static class DispatchHostingExtensions
{
    /// <summary>
    /// Adds <see cref="GrainTickSink"/> (section <c>Dispatch</c>, validated at start), which hands the feed's ticks to
    /// their instrument grains, started and stopped with the silo. The feed names it as its sink
    /// (<c>AddDeribitFeed&lt;GrainTickSink&gt;</c>).
    /// </summary>
    public static ISiloBuilder AddTickDispatch(this ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var services = silo.Services;
        services.AddOptions<DispatchOptions>().BindConfiguration(DispatchOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DispatchOptions>, DispatchOptionsValidator>());
        services.TryAddSingleton<IWriterProgress, KafkaWriterProgress>();
        services.TryAddSingleton<GrainTickSink>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<GrainTickSink>());
        return silo;
    }
}
