using System.Net;
using Microsoft.Extensions.Configuration;

namespace Laevitas.Grains.Abstractions.Clustering;

/// <summary>
/// Cluster identity, endpoints and membership mode, bound from the <c>Orleans</c> configuration section
/// (environment: <c>Orleans__ClusteringMode</c>, <c>Orleans__SiloPort</c>, ...). Shared by the silo and the client so
/// both read the same keys with the same defaults.
/// </summary>
/// <remarks>
/// Orleans 10 reads the same section itself: it binds <c>Orleans:ClusterId</c> / <c>Orleans:ServiceId</c> (the values we
/// set too) and treats <c>Orleans:Clustering</c>, <c>Orleans:Endpoints</c>, <c>Orleans:GrainStorage</c>,
/// <c>Orleans:Streaming</c> ... as provider sections. Hence the mode key is <c>Orleans:ClusteringMode</c>: a plain
/// <c>Orleans:Clustering=AdoNet</c> would make Orleans look for a provider named "Default" and fail at start.
/// </remarks>
public sealed class ClusteringOptions
{
    public const string SectionName = "Orleans";

    /// <summary>Name of the connection string (under <c>ConnectionStrings</c>) that AdoNet membership uses.</summary>
    public const string ConnectionStringName = "Postgres";

    /// <summary>ADO.NET invariant of Npgsql, as the Orleans ADO.NET providers expect it.</summary>
    public const string AdoNetInvariant = "Npgsql";

    public ClusteringMode ClusteringMode { get; set; } = ClusteringMode.Localhost;

    /// <summary>Identifies one deployment; silos and clients only see members with the same cluster id.</summary>
    public string ClusterId { get; set; } = "laevitas";

    /// <summary>Stable across deployments: grain state and stream checkpoints are keyed by it, so never change it in place.</summary>
    public string ServiceId { get; set; } = "laevitas";

    /// <summary>Silo-to-silo port.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Client-to-silo (gateway) port.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// Address other silos and clients use to reach this silo. Empty: loopback in <see cref="ClusteringMode.Localhost"/>,
    /// the pod IP in <see cref="ClusteringMode.Kubernetes"/>, and this machine's address in <see cref="ClusteringMode.AdoNet"/>.
    /// </summary>
    public string? AdvertisedIPAddress { get; set; }

    /// <summary>Binds the section and checks it; throws with every problem listed when the settings cannot work.</summary>
    public static ClusteringOptions FromConfiguration(IConfiguration configuration)
    {
        var options = new ClusteringOptions();
        configuration.GetSection(SectionName).Bind(options);
        var errors = options.Validate(configuration.GetConnectionString(ConnectionStringName));
        if (errors.Count > 0)
        {
            throw new InvalidOperationException(
                $"Invalid clustering configuration (section '{SectionName}'): {string.Join(" ", errors)}");
        }

        return options;
    }

    /// <summary>The problems with these settings, empty when they are usable.</summary>
    public IReadOnlyList<string> Validate(string? postgresConnectionString)
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(ClusteringMode))
        {
            errors.Add($"Orleans:ClusteringMode must be one of {string.Join(", ", Enum.GetNames<ClusteringMode>())}.");
        }

        if (string.IsNullOrWhiteSpace(ClusterId))
        {
            errors.Add("Orleans:ClusterId must not be empty.");
        }

        if (string.IsNullOrWhiteSpace(ServiceId))
        {
            errors.Add("Orleans:ServiceId must not be empty.");
        }

        if (SiloPort is < 1 or > 65535)
        {
            errors.Add($"Orleans:SiloPort must be between 1 and 65535 (was {SiloPort}).");
        }

        if (GatewayPort is < 1 or > 65535)
        {
            errors.Add($"Orleans:GatewayPort must be between 1 and 65535 (was {GatewayPort}).");
        }

        if (SiloPort == GatewayPort)
        {
            errors.Add($"Orleans:SiloPort and Orleans:GatewayPort must differ (both {SiloPort}).");
        }

        if (!string.IsNullOrWhiteSpace(AdvertisedIPAddress) && !IPAddress.TryParse(AdvertisedIPAddress, out _))
        {
            errors.Add($"Orleans:AdvertisedIPAddress must be an IP address (was '{AdvertisedIPAddress}').");
        }

        if (ClusteringMode is ClusteringMode.AdoNet or ClusteringMode.Kubernetes && string.IsNullOrWhiteSpace(postgresConnectionString))
        {
            // A private embedded Postgres cannot hold a membership table that other silos see.
            errors.Add($"Orleans:ClusteringMode={ClusteringMode} needs ConnectionStrings:{ConnectionStringName}, the PostgreSQL every silo and client shares.");
        }

        return errors;
    }

    /// <summary>The parsed <see cref="AdvertisedIPAddress"/>, or null when it is not set.</summary>
    public IPAddress? ParseAdvertisedIPAddress() =>
        string.IsNullOrWhiteSpace(AdvertisedIPAddress) ? null : IPAddress.Parse(AdvertisedIPAddress);
}
