namespace Laevitas.Grains.Abstractions.Indexes;

/// <summary>The latest value of each of an index's channels, as its <see cref="IIndexGrain"/> holds them.</summary>
[GenerateSerializer, Immutable]
public sealed record IndexSnapshot
{
    [Id(0)] public required string IndexName { get; init; }

    /// <summary>Latest <c>deribit_price_index</c> value; null when none was received or stored.</summary>
    [Id(1)] public IndexValue? Price { get; init; }

    /// <summary>Latest DVOL; null for indexes without one (Deribit publishes DVOL for btc_usd and eth_usd only).</summary>
    [Id(2)] public IndexValue? Volatility { get; init; }

    [Id(3)] public IndexValue? EstimatedExpiration { get; init; }

    /// <summary>Values accepted since this activation (copies from a second feed not counted).</summary>
    [Id(4)] public long ValuesAccepted { get; init; }

    /// <summary>Accepted values not yet written to PostgreSQL (the write buffer; lost if the silo dies).</summary>
    [Id(5)] public int PendingWrites { get; init; }

    /// <summary>Values dropped because the write buffer was full during a long database outage (counted, logged).</summary>
    [Id(6)] public long DroppedWrites { get; init; }

    public bool IsEmpty => Price is null && Volatility is null && EstimatedExpiration is null;
}
