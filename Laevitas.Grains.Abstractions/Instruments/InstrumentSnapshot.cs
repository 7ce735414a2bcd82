namespace Laevitas.Grains.Abstractions.Instruments;

/// <summary>What an <see cref="IInstrumentGrain"/> knows about its instrument: the latest tick and counters.</summary>
[GenerateSerializer, Immutable]
public sealed record InstrumentSnapshot
{
    [Id(0)] public required string InstrumentName { get; init; }

    /// <summary>Kind, currency, expiry, strike and option type as read from the name.</summary>
    [Id(1)] public required ParsedInstrumentName Name { get; init; }

    [Id(2)] public InstrumentStatus Status { get; init; }

    /// <summary>Exchange metadata from the last listing, if the feed has listed the instrument.</summary>
    [Id(3)] public InstrumentInfo? Info { get; init; }

    /// <summary>Ticks taken since the instrument was first seen, across activations (persisted periodically, so a
    /// crash can lose the increments of the last persistence interval; the ticks themselves are on Kafka).</summary>
    [Id(4)] public long TicksSeen { get; init; }

    /// <summary>Receive time of the first tick ever taken, Unix ms; null before the first tick.</summary>
    [Id(5)] public long? FirstSeenAtMs { get; init; }

    /// <summary>Receive time of the latest tick, Unix ms.</summary>
    [Id(6)] public long? LastSeenAtMs { get; init; }

    /// <summary>Exchange timestamp of the latest tick, Unix ms.</summary>
    [Id(7)] public long? LastTickTimestamp { get; init; }

    /// <summary>The latest ticker <c>data</c> object, UTF-8 JSON as received.</summary>
    [Id(8)] public byte[]? LastTickPayload { get; init; }

    /// <summary>When the status left <see cref="InstrumentStatus.Active"/>, Unix ms.</summary>
    [Id(9)] public long? StatusChangedAtMs { get; init; }

    /// <summary>Tick size and contract size, for convenience (also in <see cref="Info"/>).</summary>
    public decimal? TickSize => Info?.TickSize;

    public decimal? ContractSize => Info?.ContractSize;
}
