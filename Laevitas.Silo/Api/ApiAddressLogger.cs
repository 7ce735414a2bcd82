using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Laevitas.Silo.Api;

/// <summary>Prints, once Kestrel listens, the addresses of the dashboard, the API, its description, health and metrics.</summary>
internal sealed partial class ApiAddressLogger(IHostApplicationLifetime lifetime, IServer server, ILogger<ApiAddressLogger> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var address in server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
            {
                var root = address.TrimEnd('/');
                LogAddresses(logger, root + ApiHostingExtensions.DashboardPath + "/", root + "/api/instruments", root + ApiHostingExtensions.OpenApiPath,
                    root + "/health/ready", root + "/metrics");
            }
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 5404, Level = LogLevel.Information,
        Message = "Orleans dashboard: {Dashboard}  API: {Api}  OpenAPI: {OpenApi}  health: {Health}  metrics: {Metrics}")]
    private static partial void LogAddresses(ILogger logger, string dashboard, string api, string openApi, string health, string metrics);
}
