namespace Laevitas.Grains.Abstractions.Trades;

/// <summary>The stored trades of one instrument in an exchange-time range, oldest first (same paging as ticker history).</summary>
[GenerateSerializer, Immutable]
public sealed record TradeHistory
{
    [Id(0)] public required string InstrumentName { get; init; }
    [Id(1)] public DateTimeOffset From { get; init; }
    [Id(2)] public DateTimeOffset To { get; init; }
    [Id(3)] public int Limit { get; init; }
    /// <summary>More trades match than <see cref="Limit"/>; <see cref="NextFrom"/> is where the next page starts.</summary>
    [Id(4)] public bool Truncated { get; init; }
    [Id(5)] public DateTimeOffset? NextFrom { get; init; }
    [Id(6)] public required IReadOnlyList<TradeRow> Trades { get; init; }
    public int Count => Trades.Count;
}
