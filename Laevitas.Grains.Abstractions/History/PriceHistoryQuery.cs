namespace Laevitas.Grains.Abstractions.History;

/// <summary>Stored ticks of one instrument with exchange time in [<see cref="FromMs"/>, <see cref="ToMs"/>), oldest first.</summary>
[GenerateSerializer, Immutable]
public sealed record PriceHistoryQuery
{
    [Id(0)] public required string InstrumentName { get; init; }

    /// <summary>Inclusive lower bound, exchange Unix ms.</summary>
    [Id(1)] public required long FromMs { get; init; }

    /// <summary>Exclusive upper bound, exchange Unix ms.</summary>
    [Id(2)] public required long ToMs { get; init; }

    /// <summary>At most this many rows; when more match, the answer says so and where to continue.</summary>
    [Id(3)] public required int Limit { get; init; }
}
