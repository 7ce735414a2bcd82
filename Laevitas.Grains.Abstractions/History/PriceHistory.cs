namespace Laevitas.Grains.Abstractions.History;

/// <summary>The answer to a <see cref="PriceHistoryQuery"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record PriceHistory
{
    [Id(0)] public required string InstrumentName { get; init; }
    [Id(1)] public required DateTimeOffset From { get; init; }
    [Id(2)] public required DateTimeOffset To { get; init; }
    [Id(3)] public required int Limit { get; init; }
    public int Count => Rows.Count;

    /// <summary>True when more rows matched than <see cref="Limit"/>; ask again from <see cref="NextFrom"/>.</summary>
    [Id(4)] public bool Truncated { get; init; }

    /// <summary>Where the next page starts (exchange time of the first row not returned), when <see cref="Truncated"/>.</summary>
    [Id(5)] public DateTimeOffset? NextFrom { get; init; }

    [Id(6)] public required IReadOnlyList<PriceRow> Rows { get; init; }
}
