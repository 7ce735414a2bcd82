namespace Laevitas.ChaosTests.Infrastructure;

/// <summary>One case's window reconciled: what the exchange sent against what <c>deribit_prices</c> holds.</summary>
/// <param name="Emitted">Ticks the simulator wrote to sockets with timestamps in the window (its ledger), plus valid ticks the test injected.</param>
/// <param name="Stored">Rows in the window.</param>
/// <param name="Duplicates">Rows sharing a key with another row (the primary key makes this 0; checked anyway).</param>
/// <param name="KafkaMessages">Messages on the topic for ticks of the window.</param>
/// <param name="KafkaDuplicates">Messages on the topic repeating a tick already on the topic (replays: harmless, stored once).</param>
/// <param name="Missing">Emitted but not stored.</param>
/// <param name="MissingAllowed">Of those, inside a <see cref="LossAllowance"/>.</param>
/// <param name="ExpectedBound">Ledger ticks inside the allowances: the most the case may lose.</param>
/// <param name="Phantom">Stored but never emitted.</param>
/// <param name="MissingOnKafka">Missing ticks found on the topic (lost after Kafka; the others never reached it).</param>
public sealed record Reconciliation(
    long Emitted,
    long Stored,
    long Duplicates,
    long KafkaMessages,
    long KafkaDuplicates,
    IReadOnlyList<TickKey> Missing,
    int MissingAllowed,
    long ExpectedBound,
    IReadOnlyList<TickKey> Phantom,
    int MissingOnKafka)
{
    public int MissingUnexpected => Missing.Count - MissingAllowed;

    public string Describe() =>
        $"emitted {Emitted}, stored {Stored}, duplicates {Duplicates}, kafka {KafkaMessages} messages ({KafkaDuplicates} repeated), " +
        $"missing {Missing.Count} (allowed {MissingAllowed} of bound {ExpectedBound}; {MissingOnKafka} of them on Kafka), phantom {Phantom.Count}" +
        (Missing.Count > 0 ? $"; first missing: {string.Join(", ", Missing.Take(10))}" : "") +
        (Phantom.Count > 0 ? $"; first phantom: {string.Join(", ", Phantom.Take(10))}" : "");
}
