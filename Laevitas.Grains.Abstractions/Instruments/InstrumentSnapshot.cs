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

    /// <summary>Ticks accepted (each published once) since the instrument was first seen, across activations (persisted periodically, so a
    /// crash can lose the increments of the last persistence interval; the ticks themselves are on Kafka).</summary>
    [Id(4)] public long TicksSeen { get; init; }

    /// <summary>Receive time of the first tick ever taken, Unix ms; null before the first tick.</summary>
    [Id(5)] public long? FirstSeenAtMs { get; init; }

    /// <summary>Receive time of the latest tick, Unix ms.</summary>
    [Id(6)] public long? LastSeenAtMs { get; init; }

    /// <summary>Exchange timestamp of the newest tick accepted, Unix ms (not the last one received).</summary>
    [Id(7)] public long? LastTickTimestamp { get; init; }

    /// <summary>The newest ticker <c>data</c> object accepted, UTF-8 JSON as received.</summary>
    [Id(8)] public byte[]? LastTickPayload { get; init; }

    /// <summary>When the status left <see cref="InstrumentStatus.Active"/>, Unix ms.</summary>
    [Id(9)] public long? StatusChangedAtMs { get; init; }

    /// <summary>Ticks received but not published because the same timestamp had been accepted (the other feeds' copies).</summary>
    [Id(10)] public long DuplicatesDropped { get; init; }

    /// <summary>Newest exchange timestamp known to be on Kafka (or the spool) with every accepted tick before it.</summary>
    [Id(11)] public long? PublishedThroughTimestamp { get; init; }

    /// <summary>Trades accepted (each published once) since the instrument was first seen, across activations.</summary>
    [Id(12)] public long TradesSeen { get; init; }

    /// <summary>The newest trade accepted (highest <c>trade_seq</c>), its JSON object as received; null before the first.</summary>
    [Id(13)] public byte[]? LastTradePayload { get; init; }

    /// <summary>Exchange timestamp of <see cref="LastTradePayload"/>, Unix ms.</summary>
    [Id(14)] public long? LastTradeTimestamp { get; init; }

    /// <summary>Trades received but not published because the same <c>trade_seq</c> had been (the other feeds' copies).</summary>
    [Id(15)] public long TradeDuplicatesDropped { get; init; }

    /// <summary>Tick size and contract size, for convenience (also in <see cref="Info"/>).</summary>
    public decimal? TickSize => Info?.TickSize;

    public decimal? ContractSize => Info?.ContractSize;
}
