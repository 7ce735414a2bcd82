using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Laevitas.Silo.Health;

/// <summary>Liveness and readiness probes.</summary>
public static class HealthHostingExtensions
{
    /// <summary>
    /// <c>live</c>: the process serves HTTP. <c>ready</c> means "this silo can serve and take work" (DESIGN invariant
    /// 11): only <c>orleans</c> gates it (the silo is Active in the cluster's membership, so grains and stream queues
    /// are placed on it and its API answers from the cluster). <c>postgres</c> (SELECT 1 within 2 s), <c>kafka</c>
    /// (broker metadata within 2 s) and <c>feed</c> (this silo's feed, if it runs one, holds an exchange
    /// connection) are reported in the same JSON but can only make it <c>Degraded</c>, which still answers 200.
    /// </summary>
    /// <remarks>
    /// Why the dependencies do not gate readiness: they are shared by every silo, so an outage would take every pod
    /// out of the Service at once — the API (which answers from grain memory while the database is away) would go
    /// dark, a rolling update would stall on a new pod that can never be ready, and the PodDisruptionBudget would block
    /// every drain. Nothing is gained in exchange: the pipeline already holds the data through those outages (Kafka
    /// and the spool buffer, the writer retries). The feed does not gate it because only the feed silos run one.
    /// </remarks>
    public static IServiceCollection AddLaevitasHealthChecks(this IServiceCollection services)
    {
        var checkTimeout = TimeSpan.FromSeconds(5);
        services.AddSingleton<KafkaHealthCheck>();
        // One instance, so that probes share the statement still waiting (see PostgresHealthCheck).
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<PostgresHealthCheck>();
        services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy("The process serves HTTP"), tags: [HealthTags.Live])
            .AddCheck<OrleansSiloHealthCheck>("orleans", tags: [HealthTags.Ready], timeout: checkTimeout)
            .Add(new HealthCheckRegistration("postgres", sp => sp.GetRequiredService<PostgresHealthCheck>(), HealthStatus.Degraded, [HealthTags.Ready], checkTimeout))
            .Add(new HealthCheckRegistration("kafka", sp => sp.GetRequiredService<KafkaHealthCheck>(), HealthStatus.Degraded, [HealthTags.Ready], checkTimeout))
            .AddCheck<FeedHealthCheck>("feed", HealthStatus.Degraded, [HealthTags.Ready], checkTimeout);
        return services;
    }

    /// <summary>
    /// Maps <c>/health/live</c> and <c>/health/ready</c>: 503 only when a gating check is Unhealthy; 200 for Healthy
    /// and Degraded, the JSON body naming the failed and the degraded checks.
    /// </summary>
    public static IEndpointRouteBuilder MapLaevitasHealthChecks(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(HealthTags.Live),
            ResponseWriter = HealthResponseWriter.WriteAsync,
        }).WithTags("Health");
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(HealthTags.Ready),
            ResponseWriter = HealthResponseWriter.WriteAsync,
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        }).WithTags("Health");
        return endpoints;
    }
}
