using Laevitas.Export;
using Laevitas.Grains.Abstractions.Api;
using Laevitas.Silo.Api.Authentication;
using Laevitas.Silo.Health;
using Laevitas.Silo.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Dashboard;

namespace Laevitas.Silo.Api;

/// <summary>
/// The silo's HTTP surface on the port <c>ASPNETCORE_URLS</c> / <c>urls</c> names: the JSON API under <c>/api</c>, its
/// OpenAPI description, health probes, Prometheus metrics and the Orleans dashboard.
/// </summary>
public static class ApiHostingExtensions
{
    /// <summary>Where the Orleans dashboard is served.</summary>
    public const string DashboardPath = "/dashboard";

    public const string OpenApiPath = "/openapi/v1.json";

    /// <summary>Where the silo listens when neither <c>ASPNETCORE_URLS</c>/<c>urls</c> nor a port setting says: loopback only.</summary>
    public const string DefaultUrl = "http://127.0.0.1:8080";

    /// <summary>
    /// Registers the HTTP surface: the API's services, health checks, metrics and the Orleans dashboard. The history
    /// queries and the stats reporter it serves are registered by their stages (<c>AddTickWriter</c>,
    /// <c>AddPipelineStats</c>).
    /// </summary>
    public static WebApplicationBuilder AddLaevitasApi(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // Not in appsettings.json: there it would override ASPNETCORE_URLS (app configuration wins over host configuration).
        if (string.IsNullOrWhiteSpace(builder.Configuration["urls"])
            && string.IsNullOrWhiteSpace(builder.Configuration["http_ports"])
            && string.IsNullOrWhiteSpace(builder.Configuration["https_ports"])
            && !builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(json => LaevitasJson.Apply(json.SerializerOptions));
        services.AddOpenApi(openApi => openApi.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Laevitas";
            document.Info.Description = "Deribit tickers captured by an Orleans cluster: followed instruments, latest tickers, stored history and pipeline statistics.";
            return Task.CompletedTask;
        }));
        services.AddLaevitasHealthChecks();
        services.AddLaevitasApiAuthentication();
        builder.AddLaevitasMetrics();
        services.AddHostedService<ApiAddressLogger>();
        services.TryAddSingleton<TableExporter>();
        builder.UseOrleans(silo => silo.AddDashboard());
        return builder;
    }

    /// <summary>
    /// Maps <c>/api/instruments</c>, <c>/api/instruments/{name}</c>, <c>/api/instruments/{name}/history</c>,
    /// <c>/api/stats</c>, <c>/api/export</c>, <c>/openapi/v1.json</c>, <c>/health/live</c>, <c>/health/ready</c>, <c>/metrics</c> and the
    /// dashboard at <see cref="DashboardPath"/>.
    /// </summary>
    public static WebApplication MapLaevitasApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseStatusCodePages();
        // Before any endpoint runs; /health/* and /metrics stay open (ApiKeyAuthenticationMiddleware.IsOpen).
        app.UseLaevitasApiAuthentication();
        app.MapGet("/", () => "Laevitas silo").ExcludeFromDescription();
        app.MapOpenApi(OpenApiPath);
        app.MapGroup("/api")
            .MapInstrumentEndpoints()
            .MapSettlementEndpoints()
            .MapIndexEndpoints()
            .MapStatsEndpoints()
            .MapExportEndpoints();
        app.MapLaevitasHealthChecks();
        app.MapLaevitasMetrics();
        app.MapOrleansDashboard(routePrefix: DashboardPath).ExcludeFromDescription();
        return app;
    }
}
