namespace Laevitas.Grains.Abstractions.Indexes;

/// <summary>One row of <c>deribit_index_values</c>.</summary>
[GenerateSerializer, Immutable]
public sealed record IndexRow
{
    [Id(0)] public required string Kind { get; init; }

    /// <summary>Unix ms (exchange time; receive time for the estimated expiration price).</summary>
    [Id(1)] public long Timestamp { get; init; }

    /// <summary><see cref="Timestamp"/> as a UTC time.</summary>
    public DateTimeOffset Time => DateTimeOffset.FromUnixTimeMilliseconds(Timestamp);

    [Id(2)] public double Value { get; init; }

    [Id(3)] public long? Seconds { get; init; }

    [Id(4)] public bool? IsEstimated { get; init; }
}
