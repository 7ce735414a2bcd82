namespace Laevitas.ChaosTests.Infrastructure;

/// <summary>
/// Every chaos test shares one <see cref="ChaosCluster"/> (its cases run one after another; each restores the
/// baseline first) and the report it writes when the collection ends.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ChaosCollection : ICollectionFixture<ChaosCluster>
{
    public const string Name = "Chaos";
}
