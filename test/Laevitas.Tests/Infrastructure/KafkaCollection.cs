namespace Laevitas.Tests.Infrastructure;

/// <summary>Tests that share one embedded Kafka cluster: <c>[Collection(KafkaCollection.Name)]</c>.</summary>
[CollectionDefinition(Name)]
public sealed class KafkaCollection : ICollectionFixture<KafkaFixture>
{
    public const string Name = "Kafka";
}
