namespace Laevitas.Grains.Abstractions.Settlements;

/// <summary>The stored delivery prices of one index in a date range, oldest first, paged like the ticker history.</summary>
[GenerateSerializer, Immutable]
public sealed record SettlementHistory
{
    [Id(0)] public required string IndexName { get; init; }
    [Id(1)] public DateOnly From { get; init; }
    [Id(2)] public DateOnly To { get; init; }
    [Id(3)] public int Limit { get; init; }

    /// <summary>More dates match than <see cref="Limit"/>; <see cref="NextFrom"/> is where the next page starts.</summary>
    [Id(4)] public bool Truncated { get; init; }
    [Id(5)] public DateOnly? NextFrom { get; init; }
    [Id(6)] public required IReadOnlyList<SettlementRow> Settlements { get; init; }

    /// <summary>
    /// False when the table holds no delivery price of this index at all (not only none in the range): the index is
    /// unknown or not backfilled, and <see cref="StoredIndexes"/> names those it holds.
    /// </summary>
    [Id(7)] public bool IndexKnown { get; init; }
    [Id(8)] public IReadOnlyList<string> StoredIndexes { get; init; } = [];

    public int Count => Settlements.Count;
}
