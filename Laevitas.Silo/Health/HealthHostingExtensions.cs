using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Laevitas.Silo.Health;

/// <summary>Liveness and readiness probes.</summary>
public static class HealthHostingExtensions
{
    /// <summary>
    /// <c>live</c>: the process serves HTTP. <c>ready</c>: <c>orleans</c> (silo active), <c>postgres</c> (SELECT 1
    /// within 2 s), <c>kafka</c> (broker metadata within 2 s), <c>feed</c> (a connection to the exchange is open).
    /// </summary>
    public static IServiceCollection AddLaevitasHealthChecks(this IServiceCollection services)
    {
        var checkTimeout = TimeSpan.FromSeconds(5);
        services.AddSingleton<KafkaHealthCheck>();
        services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy("The process serves HTTP"), tags: [HealthTags.Live])
            .AddCheck<OrleansSiloHealthCheck>("orleans", tags: [HealthTags.Ready], timeout: checkTimeout)
            .AddCheck<PostgresHealthCheck>("postgres", tags: [HealthTags.Ready], timeout: checkTimeout)
            .Add(new HealthCheckRegistration("kafka", sp => sp.GetRequiredService<KafkaHealthCheck>(), HealthStatus.Unhealthy, [HealthTags.Ready], checkTimeout))
            .AddCheck<FeedHealthCheck>("feed", tags: [HealthTags.Ready], timeout: checkTimeout);
        return services;
    }

    /// <summary>Maps <c>/health/live</c> and <c>/health/ready</c> (503 when a check fails; JSON body names it).</summary>
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
        }).WithTags("Health");
        return endpoints;
    }
}
