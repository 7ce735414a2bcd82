namespace Laevitas.Grains.Abstractions.Clustering;

/// <summary>How silos find each other and clients find gateways (<c>Orleans:ClusteringMode</c>).</summary>
public enum ClusteringMode
{
    /// <summary>One silo on this machine, loopback only; no database needed. The default for a local run.</summary>
    Localhost,

    /// <summary>Membership table in PostgreSQL (<c>ConnectionStrings:Postgres</c>), shared by every silo and client.</summary>
    AdoNet,

    /// <summary>
    /// As <see cref="AdoNet"/>, plus pod identity from the Kubernetes downward API (POD_NAME, POD_NAMESPACE, POD_IP,
    /// ORLEANS_CLUSTER_ID, ORLEANS_SERVICE_ID) and a watch on the pods of the cluster. Silo-side only: a client
    /// treats it as <see cref="AdoNet"/>.
    /// </summary>
    Kubernetes,
}
