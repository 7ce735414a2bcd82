namespace Laevitas.Tests.Clustering;

[CollectionDefinition(Name)]
public sealed class ClusteringPostgresCollection : ICollectionFixture<ClusteringPostgres>
{
    public const string Name = "Clustering on Postgres";
}
