using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Laevitas.Grains.History;

public static class HistoryHostingExtensions
{
    /// <summary>
    /// Adds the <see cref="PriceHistoryReader"/> and the trades' <see cref="Trades.TradeHistoryReader"/> and the
    /// delivery prices' <see cref="Settlements.DeliveryPricesStore"/> and the index values' <see cref="Indexes.IndexValuesStore"/> (need the data
    /// source of <c>AddLaevitasPostgres</c>).
    /// </summary>
    public static IServiceCollection AddPriceHistory(this IServiceCollection services)
    {
        services.TryAddSingleton<PriceHistoryReader>();
        services.TryAddSingleton<Trades.TradeHistoryReader>();
        services.TryAddSingleton<Settlements.DeliveryPricesStore>();
        services.TryAddSingleton<Indexes.IndexValuesStore>();
        return services;
    }
}
