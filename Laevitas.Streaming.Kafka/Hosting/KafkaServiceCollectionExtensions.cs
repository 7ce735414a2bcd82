using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Laevitas.Streaming.Kafka;

public static class KafkaServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="KafkaOptions"/> from the <c>Kafka</c> section and validates it at start.
    /// Safe to call from every component that needs Kafka.
    /// </summary>
    public static IServiceCollection AddKafkaOptions(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<KafkaOptions>()
            .BindConfiguration(KafkaOptions.SectionName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KafkaOptions>, KafkaOptionsValidator>());
        return services;
    }
}
