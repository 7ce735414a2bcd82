using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Laevitas.Silo.Memory;

public static class MemoryHostingExtensions
{
    /// <summary>Adds the <see cref="MemoryReclaimer"/> (section <c>Memory</c>, validated at start).</summary>
    public static IServiceCollection AddMemoryReclaimer(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<MemoryOptions>().BindConfiguration(MemoryOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MemoryOptions>, MemoryOptionsValidator>());
        services.AddHostedService<MemoryReclaimer>();
        return services;
    }
}
