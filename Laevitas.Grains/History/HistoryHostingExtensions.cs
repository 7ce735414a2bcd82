using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Laevitas.Grains.History;

public static class HistoryHostingExtensions
{
    /// <summary>
    /// Adds the <see cref="PriceHistoryReader"/> and the trades' <see cref="Trades.TradeHistoryReader"/> (need the data
    /// source of <c>AddLaevitasPostgres</c>).
    /// </summary>
    public static IServiceCollection AddPriceHistory(this IServiceCollection services)
    {
        services.TryAddSingleton<PriceHistoryReader>();
        services.TryAddSingleton<Trades.TradeHistoryReader>();
        return services;
    }
}
