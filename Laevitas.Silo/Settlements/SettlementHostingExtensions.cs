using Laevitas.Feed.Settlements;
using Laevitas.Grains.Settlements;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Laevitas.Silo.Settlements;

public static class SettlementHostingExtensions
{
    /// <summary>
    /// Adds the settlement backfill (section <c>Settlements</c>, validated at start) on this silo. Needs the feed's
    /// <c>Deribit</c> options (<c>AddDeribitFeed</c>: the endpoint and the currencies) and the data source of
    /// <c>AddLaevitasPostgres</c>.
    /// </summary>
    public static IServiceCollection AddSettlementBackfill(this IServiceCollection services)
    {
        services.AddOptions<SettlementOptions>().BindConfiguration(SettlementOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SettlementOptions>, SettlementOptionsValidator>());
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DeliveryPricesStore>();
        services.TryAddSingleton<DeliveryPriceClient>();
        services.TryAddSingleton<SettlementMetrics>();
        services.TryAddSingleton<SettlementStatus>();
        services.TryAddSingleton<SettlementBackfill>();
        services.AddHostedService<SettlementBackfillService>();
        return services;
    }
}
