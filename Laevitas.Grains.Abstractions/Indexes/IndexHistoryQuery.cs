namespace Laevitas.Grains.Abstractions.Indexes;

/// <summary>Stored values of one index in [<see cref="FromMs"/>, <see cref="ToMs"/>), optionally of one kind only.</summary>
[GenerateSerializer, Immutable]
public sealed record IndexHistoryQuery
{
    [Id(0)] public required string IndexName { get; init; }
    [Id(1)] public long FromMs { get; init; }
    [Id(2)] public long ToMs { get; init; }
    [Id(3)] public int Limit { get; init; }

    /// <summary>Null: every kind, interleaved by time.</summary>
    [Id(4)] public IndexValueKind? Kind { get; init; }
}
