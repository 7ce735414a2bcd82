using Laevitas.Grains.Abstractions.Clustering;
using Laevitas.Grains.Storage;
using Orleans.Configuration;

namespace Laevitas.Silo.Clustering;

/// <summary>Wires Orleans membership and endpoints from the <c>Orleans</c> configuration section.</summary>
public static class ClusteringHostingExtensions
{
    /// <summary>
    /// <see cref="ClusteringMode.Localhost"/> (default): a single silo on loopback, no database.
    /// <see cref="ClusteringMode.AdoNet"/>: membership in Postgres (<c>ConnectionStrings:Postgres</c>); the schema is
    /// applied (through <c>AddLaevitasPostgres</c>) before the silo joins. <see cref="ClusteringMode.Kubernetes"/>: AdoNet
    /// membership plus pod identity and pod watching from <c>Microsoft.Orleans.Hosting.Kubernetes</c>.
    /// </summary>
    public static ISiloBuilder UseLaevitasClustering(this ISiloBuilder silo, IConfiguration configuration)
    {
        // The mode decides which services get registered, so it has to be read (and checked) now, not at start.
        var options = ClusteringOptions.FromConfiguration(configuration);
        silo.Services.AddSingleton(options);
        // Mutual TLS on the silo and gateway ports when Orleans:Tls:CertificatePath is set; with membership, so that
        // nothing joins or calls the cluster without a certificate from its CA.
        silo.UseLaevitasTls(configuration);
        silo.Services.AddHostedService<OrleansTlsAnnouncer>();

        if (options.ClusteringMode == ClusteringMode.Localhost)
        {
            silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);
            return silo;
        }

        // Registered before UseKubernetesHosting so that, in Kubernetes, ORLEANS_CLUSTER_ID / ORLEANS_SERVICE_ID (taken
        // from the pod labels the hosting package selects pods by) win over the configured values.
        silo.Configure<ClusterOptions>(cluster =>
        {
            cluster.ClusterId = options.ClusterId;
            cluster.ServiceId = options.ServiceId;
        });
        silo.Configure<EndpointOptions>(endpoints =>
        {
            endpoints.SiloPort = options.SiloPort;
            endpoints.GatewayPort = options.GatewayPort;
            if (options.ParseAdvertisedIPAddress() is { } advertised)
            {
                endpoints.AdvertisedIPAddress = advertised;
            }
        });

        if (options.ClusteringMode == ClusteringMode.Kubernetes)
        {
            // A silo the cluster declared dead is useless; deleting its pod lets the Deployment replace it at once
            // instead of waiting for the process to notice and exit (needs the 'delete' verb in deploy/k8s/rbac.yaml).
            silo.UseKubernetesHosting(hosting => hosting.Configure(k8s => k8s.DeleteDefunctSiloPods = true));
        }

        // The same connection defaults as the data source's: membership statements must not time out into Npgsql's
        // synchronous cancellation either (PostgresConnectionDefaults).
        var connectionString = PostgresConnectionDefaults.Apply(configuration.GetConnectionString(ClusteringOptions.ConnectionStringName)!);
        silo.UseAdoNetClustering(adoNet =>
        {
            adoNet.Invariant = ClusteringOptions.AdoNetInvariant;
            adoNet.ConnectionString = connectionString;
        });
        // Membership reads its OrleansQuery rows when it starts (RuntimeGrainServices); AddLaevitasPostgres applies the
        // scripts before RuntimeInitialize. Its registrations are TryAdd, so this is a no-op when the host already
        // called it (Program.cs does) and a guarantee when it did not.
        silo.Services.AddLaevitasPostgres(configuration);
        return silo;
    }
}
