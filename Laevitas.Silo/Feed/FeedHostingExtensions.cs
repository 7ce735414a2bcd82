using Laevitas.Grains.Abstractions.Clustering;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Laevitas.Silo.Feed;

/// <summary>Wires the Deribit feed into a host.</summary>
public static class FeedHostingExtensions
{
    /// <summary>
    /// Adds the feed, its options (section <c>Deribit</c>, validated at start), the <see cref="FeedStatus"/>
    /// singleton and metrics. A real <see cref="ITickSink"/> registered before or after wins over the logging
    /// placeholder added here. The feed runs under <see cref="FeedLeadership"/> (a hosted service): in a cluster on the
    /// <see cref="DeribitOptions.FeedReplicas"/> oldest Active silos, in a host without Orleans membership always.
    /// </summary>
    public static IServiceCollection AddDeribitFeed(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<DeribitOptions>()
            .Configure(options =>
            {
                DeribitOptionsBinder.Bind(configuration.GetSection(DeribitOptions.SectionName), options);
                options.FeedReplicas ??= DefaultFeedReplicas(configuration);
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DeribitOptions>>(new DeribitOptionsValidator(configuration)));
        services.TryAddSingleton(sp => new FeedStatus(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<FeedMetrics>();
        services.TryAddSingleton<ITickSink, LoggingTickSink>();
        services.TryAddSingleton<FeedLeadership>();
        services.AddHostedService(sp => sp.GetRequiredService<FeedLeadership>());
        return services;
    }

    /// <summary>Two feeds in a cluster (one may be lost without a gap), one on a single local silo.</summary>
    private static int DefaultFeedReplicas(IConfiguration configuration) =>
        Enum.TryParse<ClusteringMode>(configuration[$"{ClusteringOptions.SectionName}:{nameof(ClusteringOptions.ClusteringMode)}"], ignoreCase: true, out var mode)
        && mode is ClusteringMode.AdoNet or ClusteringMode.Kubernetes
            ? 2
            : 1;
}
