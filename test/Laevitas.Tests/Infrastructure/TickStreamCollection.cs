namespace Laevitas.Tests.Infrastructure;

/// <summary>
/// The tick stream tests get their own PostgreSQL server and Kafka cluster: the outage test stops the server, which
/// must not disturb other collections, and classes of one collection run one after another.
/// </summary>
[CollectionDefinition(Name)]
public sealed class TickStreamCollection : ICollectionFixture<PostgresFixture>, ICollectionFixture<KafkaFixture>
{
    public const string Name = "TickStream";
}
