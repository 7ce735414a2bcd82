namespace Laevitas.ChaosTests.Infrastructure;

/// <summary>One case's window reconciled: what the exchange sent against what <c>deribit_prices</c> holds.</summary>
/// <param name="Emitted">Ticks the simulator wrote to sockets with timestamps in the window (its ledger), plus valid ticks the test injected.</param>
/// <param name="Stored">Rows in the window.</param>
/// <param name="Duplicates">Rows sharing a key with another row (the primary key makes this 0 by construction: reported, not a check; <see cref="ValuesDiffering"/> and <paramref name="KafkaDuplicates"/> are the checks).</param>
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

    /// <summary>Stored rows whose tick is in the simulator's market ledger, compared with it value by value.</summary>
    public long ValuesCompared { get; init; }

    /// <summary>Of those, rows that do not rebuild into the generated tick (a field lost, added or changed).</summary>
    public IReadOnlyList<TickKey> ValuesDiffering { get; init; } = [];

    public string Describe() =>
        $"emitted {Emitted}, stored {Stored}, duplicates {Duplicates}, kafka {KafkaMessages} messages ({KafkaDuplicates} repeated), " +
        $"missing {Missing.Count} (allowed {MissingAllowed} of bound {ExpectedBound}; {MissingOnKafka} of them on Kafka), phantom {Phantom.Count}, " +
        $"values compared {ValuesCompared}, differing {ValuesDiffering.Count}" +
        (ValuesDiffering.Count > 0 ? $"; first differing: {string.Join(", ", ValuesDiffering.Take(10))}" : "") +
        (Missing.Count > 0 ? $"; {DescribeSpread(Missing)}; first missing: {string.Join(", ", Missing.Take(10))}" : "") +
        (Phantom.Count > 0 ? $"; first phantom: {string.Join(", ", Phantom.Take(10))}" : "");

    /// <summary>
    /// Where the missing ticks lie: a subscription hole spans every instrument over one interval, a lost grain or
    /// partition only some instruments — the first thing to know when a case fails.
    /// </summary>
    private static string DescribeSpread(IReadOnlyList<TickKey> ticks)
    {
        var byInstrument = ticks.GroupBy(t => t.Instrument).ToList();
        var first = ticks.Min(t => t.Timestamp);
        var last = ticks.Max(t => t.Timestamp);
        var widest = byInstrument
            .Select(g => (g.Key, Count: g.Count(), From: g.Min(t => t.Timestamp), To: g.Max(t => t.Timestamp)))
            .OrderByDescending(g => g.Count)
            .Take(3)
            .Select(g => $"{g.Key} {g.Count} in {g.From}..{g.To}");
        return $"missing over {byInstrument.Count} instruments, timestamps {first}..{last} ({(last - first) / 1000.0:0.0} s); most: {string.Join(", ", widest)}";
    }
}
