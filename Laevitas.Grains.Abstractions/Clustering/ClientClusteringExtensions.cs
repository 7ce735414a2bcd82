using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Laevitas.Grains.Abstractions.Clustering;

/// <summary>Client-side counterpart of the silo's <c>UseLaevitasClustering</c>: finds gateways the same way the silos register them.</summary>
public static class ClientClusteringExtensions
{
    /// <summary>
    /// <see cref="ClusteringMode.Localhost"/>: the gateway on this machine at <c>Orleans:GatewayPort</c>.
    /// <see cref="ClusteringMode.AdoNet"/> and <see cref="ClusteringMode.Kubernetes"/>: the active gateways listed in the
    /// Postgres membership table, refreshed as silos come and go.
    /// </summary>
    public static IClientBuilder UseLaevitasClustering(this IClientBuilder client, IConfiguration configuration)
    {
        var options = ClusteringOptions.FromConfiguration(configuration);
        // The gateways require TLS when the silos do (Orleans:Tls): the same keys here.
        client.UseLaevitasTls(configuration);
        switch (options.ClusteringMode)
        {
            case ClusteringMode.Localhost:
                client.UseLocalhostClustering(options.GatewayPort, options.ServiceId, options.ClusterId);
                break;
            default:
                var connectionString = configuration.GetConnectionString(ClusteringOptions.ConnectionStringName);
                client.Configure<ClusterOptions>(cluster =>
                {
                    cluster.ClusterId = options.ClusterId;
                    cluster.ServiceId = options.ServiceId;
                });
                client.UseAdoNetClustering(adoNet =>
                {
                    adoNet.Invariant = ClusteringOptions.AdoNetInvariant;
                    adoNet.ConnectionString = connectionString;
                });
                break;
        }

        return client;
    }
}
