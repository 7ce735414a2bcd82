using Laevitas.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Laevitas.Grains.Writing;

public static class TickWriterHostingExtensions
{
    /// <summary>
    /// Adds what the tick writer grains need besides the grain class itself: options (section <c>TickWriter</c>),
    /// the shared <see cref="TickWriterStatus"/> (counters, metrics, outage logging) and the partition cache. The
    /// <c>NpgsqlDataSource</c> comes from <c>AddLaevitasPostgres</c>, the batches from <c>AddKafkaStreams</c>.
    /// </summary>
    public static ISiloBuilder AddTickWriter(this ISiloBuilder builder, Action<TickWriterOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<TickWriterOptions>().BindConfiguration(TickWriterOptions.SectionName);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TickWriterOptions>, TickWriterOptionsValidator>());
        services.AddMetrics();
        services.TryAddSingleton<TickWriterStatus>();
        services.TryAddSingleton<DailyPartitions>();
        services.TryAddSingleton<DeadLetterPublisher>();
        return builder;
    }
}
