using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Laevitas.Silo.Stats;

public static class PipelineStatsHostingExtensions
{
    /// <summary>Adds the per-silo <see cref="PipelineStatsReporter"/> (section <c>Stats</c>, validated at start).</summary>
    public static ISiloBuilder AddPipelineStatsReporter(this ISiloBuilder silo)
    {
        var services = silo.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<PipelineStatsOptions>().BindConfiguration(PipelineStatsOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PipelineStatsOptions>, PipelineStatsOptionsValidator>());
        services.TryAddSingleton<PipelineStatsReporter>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<PipelineStatsReporter>());
        return silo;
    }
}
