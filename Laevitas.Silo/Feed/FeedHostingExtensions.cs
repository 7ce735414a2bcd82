using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Laevitas.Silo.Feed;

/// <summary>Wires the Deribit feed into a host.</summary>
public static class FeedHostingExtensions
{
    /// <summary>
    /// Adds the feed (hosted service), its options (section <c>Deribit</c>, validated at start), the
    /// <see cref="FeedStatus"/> singleton and metrics. A real <see cref="ITickSink"/> registered before or after
    /// wins over the logging placeholder added here.
    /// </summary>
    public static IServiceCollection AddDeribitFeed(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<DeribitOptions>()
            .Configure(options => DeribitOptionsBinder.Bind(configuration.GetSection(DeribitOptions.SectionName), options))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DeribitOptions>>(new DeribitOptionsValidator(configuration)));
        services.TryAddSingleton(sp => new FeedStatus(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<FeedMetrics>();
        services.TryAddSingleton<ITickSink, LoggingTickSink>();
        services.AddHostedService<DeribitFeed>();
        return services;
    }
}
