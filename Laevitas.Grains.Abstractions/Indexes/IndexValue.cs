namespace Laevitas.Grains.Abstractions.Indexes;

/// <summary>
/// One notification of an index channel as the feed read it: the index (its grain's key), which channel, the value and
/// its time. Small and fixed, so the fields are read rather than the payload kept (unlike tickers and trades, whose
/// field sets are large and grow).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record IndexValue
{
    /// <summary>Deribit's index name, e.g. <c>btc_usd</c>.</summary>
    [Id(0)] public required string IndexName { get; init; }

    [Id(1)] public IndexValueKind Kind { get; init; }

    /// <summary>
    /// Unix ms: the exchange's <c>timestamp</c> for the price index and DVOL; for the estimated expiration price, which
    /// has none, <see cref="ReceivedAtMs"/>.
    /// </summary>
    [Id(2)] public long Timestamp { get; init; }

    /// <summary><c>price</c> (index, estimated expiration) or <c>volatility</c> (DVOL).</summary>
    [Id(3)] public double Value { get; init; }

    /// <summary><c>seconds</c> to the next expiry (estimated expiration price only).</summary>
    [Id(4)] public long? Seconds { get; init; }

    /// <summary><c>is_estimated</c> (estimated expiration price only).</summary>
    [Id(5)] public bool? IsEstimated { get; init; }

    /// <summary>When the silo read the notification off the socket, Unix ms.</summary>
    [Id(6)] public long ReceivedAtMs { get; init; }
}
