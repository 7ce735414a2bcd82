namespace Laevitas.Grains.Abstractions.Indexes;

/// <summary>
/// The HTTP API's and the client's answer for one index's latest values (<c>GET /api/indexes/{index}</c>,
/// <c>laevitas index</c>): each kind by its name, with its time, null when none is known.
/// </summary>
public sealed record IndexView
{
    public required string IndexName { get; init; }
    public IndexLatest? Price { get; init; }
    public IndexLatest? Volatility { get; init; }
    public IndexLatest? EstimatedExpiration { get; init; }
    public long ValuesAccepted { get; init; }
    public int PendingWrites { get; init; }
    public long DroppedWrites { get; init; }

    public static IndexView From(IndexSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return new IndexView
        {
            IndexName = snapshot.IndexName,
            Price = IndexLatest.From(snapshot.Price),
            Volatility = IndexLatest.From(snapshot.Volatility),
            EstimatedExpiration = IndexLatest.From(snapshot.EstimatedExpiration),
            ValuesAccepted = snapshot.ValuesAccepted,
            PendingWrites = snapshot.PendingWrites,
            DroppedWrites = snapshot.DroppedWrites,
        };
    }
}

/// <summary>One latest value: the number, its time (Unix ms and UTC), and for the estimated expiration price its extra fields.</summary>
public sealed record IndexLatest
{
    public double Value { get; init; }
    public long Timestamp { get; init; }
    public DateTimeOffset Time => DateTimeOffset.FromUnixTimeMilliseconds(Timestamp);
    public long? Seconds { get; init; }
    public bool? IsEstimated { get; init; }

    public static IndexLatest? From(IndexValue? value) => value is null
        ? null
        : new IndexLatest { Value = value.Value, Timestamp = value.Timestamp, Seconds = value.Seconds, IsEstimated = value.IsEstimated };
}
