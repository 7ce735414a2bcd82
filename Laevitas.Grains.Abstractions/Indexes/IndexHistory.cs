namespace Laevitas.Grains.Abstractions.Indexes;

/// <summary>The stored values of one index in a time range, oldest first, paged like the ticker and trade history.</summary>
[GenerateSerializer, Immutable]
public sealed record IndexHistory
{
    [Id(0)] public required string IndexName { get; init; }
    [Id(1)] public DateTimeOffset From { get; init; }
    [Id(2)] public DateTimeOffset To { get; init; }
    [Id(3)] public int Limit { get; init; }

    /// <summary>The kind asked for (<c>price</c>, <c>volatility</c>, <c>estimated_expiration</c>), null for all.</summary>
    [Id(4)] public string? Kind { get; init; }

    /// <summary>More rows match than <see cref="Limit"/>; <see cref="NextFrom"/> is where the next page starts.</summary>
    [Id(5)] public bool Truncated { get; init; }
    [Id(6)] public DateTimeOffset? NextFrom { get; init; }
    [Id(7)] public required IReadOnlyList<IndexRow> Values { get; init; }

    public int Count => Values.Count;
}
