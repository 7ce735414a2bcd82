using Laevitas.Feed;
using Laevitas.Grains.Abstractions.Clustering;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Laevitas.Silo.FeedPlacement;

/// <summary>Wires the Deribit feed into a silo.</summary>
public static class FeedHostingExtensions
{
    /// <summary>
    /// Adds the feed's services (<see cref="FeedServiceCollectionExtensions.AddDeribitFeedServices"/>) with
    /// <typeparamref name="TSink"/> (registered by its own stage) receiving the ticks, and runs the feed under
    /// <see cref="FeedLeadership"/> (a hosted service): in a cluster on the feed silos only, in a host without Orleans
    /// membership always.
    /// </summary>
    public static IServiceCollection AddDeribitFeed<TSink>(this IServiceCollection services, IConfiguration configuration)
        where TSink : class, ITickSink =>
        services.AddDeribitFeed(configuration, sp => sp.GetRequiredService<TSink>());

    /// <summary>As <see cref="AddDeribitFeed{TSink}"/>, with the sink made by <paramref name="sink"/>.</summary>
    public static IServiceCollection AddDeribitFeed(this IServiceCollection services, IConfiguration configuration, Func<IServiceProvider, ITickSink> sink)
    {
        services.AddDeribitFeedServices(configuration, sink);
        // How many feeds is cluster policy, so its default lives here, with the clustering mode it depends on.
        services.PostConfigure<DeribitOptions>(options => options.FeedReplicas ??= DefaultFeedReplicas(configuration));
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
