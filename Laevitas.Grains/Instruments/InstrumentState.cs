using Laevitas.Grains.Abstractions.Instruments;

namespace Laevitas.Grains.Instruments;

/// <summary>What <see cref="InstrumentGrain"/> persists. Ids are stable: stored rows are read back by them.</summary>
[GenerateSerializer]
public sealed class InstrumentState
{
    [Id(0)] public InstrumentInfo? Info { get; set; }
    [Id(1)] public InstrumentStatus Status { get; set; }
    [Id(2)] public long? StatusChangedAtMs { get; set; }
    [Id(3)] public long TicksSeen { get; set; }
    [Id(4)] public long? FirstSeenAtMs { get; set; }
    [Id(5)] public long? LastSeenAtMs { get; set; }
    /// <summary>Exchange timestamp of the newest tick accepted (not the last one received).</summary>
    [Id(6)] public long? LastTickTimestamp { get; set; }
    /// <summary>Kept so a reactivated grain can answer with the newest tick before the next one arrives.</summary>
    [Id(7)] public byte[]? LastTickPayload { get; set; }

    /// <summary>
    /// The accept watermark a reactivated grain starts from: the newest exchange timestamp among accepted ticks whose
    /// publishing had completed (acknowledged by the broker or spooled) when the state was written, and every tick
    /// accepted before it had too. Deliberately behind <see cref="LastTickTimestamp"/> while publishes are
    /// outstanding: a watermark that covered a tick still in the producer's memory would make a reactivated grain
    /// drop the other feed's copy of a tick that a crash kept off Kafka. Null in rows written before the rule
    /// existed: such a grain accepts everything once (the writer's unique key absorbs the replays).
    /// </summary>
    [Id(8)] public long? PublishedThroughTimestamp { get; set; }

    /// <summary>Ticks not accepted because one at least as new had been (the redundant feeds' copies), across activations.</summary>
    [Id(9)] public long DuplicatesDropped { get; set; }
}
