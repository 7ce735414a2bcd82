namespace Laevitas.Tests.Infrastructure;

/// <summary>
/// Grain tests share one private PostgreSQL server and one embedded Kafka cluster (each test class takes its own
/// database, each test its own topic). Tests that set brokers down start a private Kafka cluster instead.
/// </summary>
[CollectionDefinition(Name)]
public sealed class GrainsCollection : ICollectionFixture<PostgresFixture>, ICollectionFixture<KafkaFixture>
{
    public const string Name = "Grains";
}
