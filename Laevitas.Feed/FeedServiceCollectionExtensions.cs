using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Laevitas.Feed;

/// <summary>Registers what a <see cref="DeribitFeed"/> is made of.</summary>
public static class FeedServiceCollectionExtensions
{
    /// <summary>
    /// Adds the feed's options (section <c>Deribit</c>, validated at start), the <see cref="FeedStatus"/> singleton, its
    /// metrics and the <see cref="ITickSink"/> every tick goes to. The sink is named here, by the caller, so which
    /// stage receives the ticks never depends on registration order. Not the feed itself: where and when a feed runs
    /// is the host's decision (the silo runs it on its feed silos).
    /// </summary>
    public static IServiceCollection AddDeribitFeedServices(
        this IServiceCollection services, IConfiguration configuration, Func<IServiceProvider, ITickSink> sink)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(sink);
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<DeribitOptions>()
            .Configure(options => DeribitOptionsBinder.Bind(configuration.GetSection(DeribitOptions.SectionName), options))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DeribitOptions>>(new DeribitOptionsValidator(configuration)));
        services.TryAddSingleton(sp => new FeedStatus(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<FeedMetrics>();
        services.TryAddSingleton(sink);
        return services;
    }
}
