namespace Laevitas.Grains.Abstractions.Hosting;

/// <summary>Names of the Orleans providers the silo registers and grains refer to.</summary>
public static class ProviderNames
{
    /// <summary>ADO.NET grain storage on PostgreSQL.</summary>
    public const string GrainStorage = "Postgres";

    /// <summary>Persistent stream provider backed by Kafka.</summary>
    public const string Streams = "Kafka";

    /// <summary>Stream namespace the Kafka provider delivers raw ticks under.</summary>
    public const string TickStreamNamespace = "deribit";

    /// <summary>
    /// Persistent stream provider over the trades topic (<c>Kafka:TradesTopic</c>): a second instance of the Kafka
    /// provider, so each topic has its own queues, pulling agents and offsets, and an outage of one table's writer
    /// never holds up the other's partitions.
    /// </summary>
    public const string TradeStreams = "KafkaTrades";

    /// <summary>Stream namespace the trade stream provider delivers raw trades under.</summary>
    public const string TradeStreamNamespace = "deribit-trades";
}
