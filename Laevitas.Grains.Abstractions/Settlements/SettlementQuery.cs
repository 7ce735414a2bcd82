namespace Laevitas.Grains.Abstractions.Settlements;

/// <summary>Stored delivery prices of one index with delivery dates in [<see cref="From"/>, <see cref="To"/>] (both inclusive).</summary>
[GenerateSerializer, Immutable]
public sealed record SettlementQuery
{
    [Id(0)] public required string IndexName { get; init; }
    [Id(1)] public DateOnly From { get; init; }
    [Id(2)] public DateOnly To { get; init; }
    [Id(3)] public int Limit { get; init; }
}
