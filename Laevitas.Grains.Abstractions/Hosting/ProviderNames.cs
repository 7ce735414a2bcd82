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
}
