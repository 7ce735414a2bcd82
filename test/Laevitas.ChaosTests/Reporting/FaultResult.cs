namespace Laevitas.ChaosTests.Reporting;

/// <summary>One row of docs/reliability.md: a fault case and its reconciliation.</summary>
public sealed record FaultResult
{
    /// <summary>Stable identifier (the row is replaced when the case runs again).</summary>
    public required string Id { get; init; }

    /// <summary>Position in the table.</summary>
    public required int Order { get; init; }

    public required string Fault { get; init; }

    public required string Duration { get; init; }

    public required long TicksEmitted { get; init; }

    /// <summary>
    /// What <see cref="TicksEmitted"/> counts: <c>market</c> — every tick the simulator generated for a followed
    /// instrument, subscribed or not; <c>sent</c> (rows written before the market ledger existed have none) — the
    /// ticks it wrote to sockets.
    /// </summary>
    public string? Ledger { get; init; }

    public required long RowsStored { get; init; }

    public required long Duplicates { get; init; }

    public required long KafkaRepeats { get; init; }

    /// <summary>Stored rows compared value by value with the tick the simulator generated (null in rows from before that check).</summary>
    public long? ValuesCompared { get; init; }

    /// <summary>Of those, rows that do not rebuild into the generated tick.</summary>
    public long? ValuesDiffering { get; init; }

    public required long ExpectedMissingBound { get; init; }

    public required long Missing { get; init; }

    /// <summary>Seconds from the end of the fault until every tick emitted before it was stored; null when not measured.</summary>
    public double? RecoverySeconds { get; init; }

    public required bool Passed { get; init; }

    public string Notes { get; init; } = "";

    public required string Mode { get; init; }

    public required DateTimeOffset RanAt { get; init; }
}
