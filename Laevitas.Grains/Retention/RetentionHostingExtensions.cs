using Laevitas.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Laevitas.Grains.Retention;

public static class RetentionHostingExtensions
{
    /// <summary>
    /// Adds partition retention (section <c>Retention</c>, validated at start): a background pass on every silo, one
    /// at a time across the cluster. The <c>NpgsqlDataSource</c> comes from <c>AddLaevitasPostgres</c>.
    /// </summary>
    public static IServiceCollection AddPartitionRetention(this IServiceCollection services)
    {
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RetentionOptions>, RetentionOptionsValidator>());
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DailyPartitions>();
        services.TryAddSingleton<RetentionMetrics>();
        services.TryAddSingleton<PartitionRetention>();
        services.AddHostedService<RetentionService>();
        return services;
    }
}
