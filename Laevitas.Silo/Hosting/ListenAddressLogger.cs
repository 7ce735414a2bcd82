using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Orleans.Runtime;

namespace Laevitas.Silo.Hosting;

/// <summary>
/// Logs, once everything has started, the addresses a user needs: the Orleans silo-to-silo
/// endpoint, the client gateway, and the HTTP URLs (API, health, dashboard).
/// </summary>
internal sealed class ListenAddressLogger(
    IHostApplicationLifetime lifetime,
    ILocalSiloDetails silo,
    IServer server,
    ILogger<ListenAddressLogger> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            var urls = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            logger.LogInformation(
                "Laevitas silo {Silo} listening: silo endpoint {SiloEndpoint}, gateway {Gateway}, HTTP {Urls}",
                silo.Name, silo.SiloAddress.Endpoint, silo.GatewayAddress?.Endpoint.ToString() ?? "(none)", string.Join(", ", urls));
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
