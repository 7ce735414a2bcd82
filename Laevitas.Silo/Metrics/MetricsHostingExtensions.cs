using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Laevitas.Silo.Metrics;

/// <summary>Prometheus metrics at <c>/metrics</c> through OpenTelemetry.</summary>
public static class MetricsHostingExtensions
{
    /// <summary>The pipeline's own meter (feed, dispatch, publisher, stream, writer).</summary>
    public const string LaevitasMeter = "Laevitas";

    /// <summary>Orleans' runtime meter (messaging, activations, membership, ...).</summary>
    public const string OrleansMeter = "Microsoft.Orleans";

    /// <summary>
    /// Exports meters <see cref="LaevitasMeter"/> and <see cref="OrleansMeter"/>, and makes sure the components that
    /// create their instruments lazily have done so at start, so every series is there from the first scrape.
    /// </summary>
    public static IServiceCollection AddLaevitasMetrics(this IServiceCollection services)
    {
        services.AddMetrics();
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("laevitas-silo"))
            .WithMetrics(metrics => metrics
                .AddMeter(LaevitasMeter)
                .AddMeter(OrleansMeter)
                .AddPrometheusExporter());
        services.AddHostedService<MetricSourcesActivator>();
        return services;
    }

    /// <summary>Maps the Prometheus scrape endpoint at <c>/metrics</c>.</summary>
    public static IEndpointRouteBuilder MapLaevitasMetrics(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPrometheusScrapingEndpoint("/metrics").ExcludeFromDescription();
        return endpoints;
    }
}
