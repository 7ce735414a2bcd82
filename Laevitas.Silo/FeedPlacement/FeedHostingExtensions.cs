using Laevitas.Feed;
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
        services.TryAddSingleton<FeedLeadership>();
        services.AddHostedService(sp => sp.GetRequiredService<FeedLeadership>());
        return services;
    }
}
