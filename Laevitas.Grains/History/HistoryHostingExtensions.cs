using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Laevitas.Grains.History;

public static class HistoryHostingExtensions
{
    /// <summary>Adds the <see cref="PriceHistoryReader"/> (needs the data source of <c>AddLaevitasPostgres</c>).</summary>
    public static IServiceCollection AddPriceHistory(this IServiceCollection services)
    {
        services.TryAddSingleton<PriceHistoryReader>();
        return services;
    }
}
