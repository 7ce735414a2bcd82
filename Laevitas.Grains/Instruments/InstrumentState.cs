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
    [Id(6)] public long? LastTickTimestamp { get; set; }
    /// <summary>Kept so a reactivated grain can answer with the last tick before the next one arrives.</summary>
    [Id(7)] public byte[]? LastTickPayload { get; set; }
}
