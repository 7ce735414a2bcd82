using Laevitas.Grains.Abstractions.Instruments;

namespace Laevitas.Grains.Instruments;

/// <summary>
/// What <see cref="InstrumentGrain"/> persists. Orleans' ADO.NET storage writes it with its default JSON serializer,
/// by property name: renaming a property (not changing an id) is what stored rows would not survive. The ids are
/// for Orleans' own serializer.
/// </summary>
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

    /// <summary>Ticks not accepted because the same timestamp had been (the redundant feeds' copies), across activations.</summary>
    [Id(9)] public long DuplicatesDropped { get; set; }

    /// <summary>
    /// The accept window's floor when the state was written (see <see cref="AcceptWindow.Floor"/>), never above a
    /// timestamp that was accepted but not yet durable. A reactivated grain accepts nothing at or below it. In rows
    /// written before the window was persisted (no <see cref="AcceptedRecently"/>), <see cref="PublishedThroughTimestamp"/>
    /// stands in.
    /// </summary>
    [Id(10)] public long? AcceptFloor { get; set; }

    /// <summary>
    /// The accept window's timestamps above the floor whose publishing had completed when the state was written,
    /// packed by <see cref="TimestampSetCodec"/>. A reactivated grain drops another feed's copies of these and
    /// accepts any other timestamp above the floor, so it neither publishes a durable tick twice nor drops one that
    /// never reached Kafka.
    /// </summary>
    [Id(11)] public byte[]? AcceptedRecently { get; set; }

    /// <summary>Ticks not accepted because they were at or below the floor, across activations.</summary>
    [Id(12)] public long TooOld { get; set; }

    /// <summary>Trades accepted (each published once), across activations.</summary>
    [Id(13)] public long TradesSeen { get; set; }

    /// <summary>The accepted trade with the highest <c>trade_seq</c>: its JSON object as received.</summary>
    [Id(14)] public byte[]? LastTradePayload { get; set; }

    [Id(15)] public long? LastTradeSeq { get; set; }

    [Id(16)] public long? LastTradeTimestamp { get; set; }

    /// <summary>Trades not accepted because the same <c>trade_seq</c> had been (the other feeds' copies), across activations.</summary>
    [Id(17)] public long TradeDuplicatesDropped { get; set; }

    /// <summary>
    /// A copy to write while the grain goes on changing this one. Shallow: the arrays and the listing are replaced
    /// when they change, never changed in place.
    /// </summary>
    public InstrumentState Snapshot() => (InstrumentState)MemberwiseClone();

    /// <summary>
    /// Takes in the stored state when it could only be read after this one was started empty (the activation did not
    /// wait for a failed read; <see cref="InstrumentGrainOptions.StateReadTimeout"/>): counters added, the newest
    /// ticker and the later status kept, the listing this activation received preferred. The accept window is joined
    /// by the grain (<see cref="AcceptWindow.Remember"/>); the floor and window fields are rewritten when it persists.
    /// </summary>
    public void Absorb(InstrumentState stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        Info ??= stored.Info;
        if (StatusChangedAtMs is not { } changed || stored.StatusChangedAtMs > changed)
        {
            Status = stored.Status;
            StatusChangedAtMs = stored.StatusChangedAtMs;
        }

        TicksSeen += stored.TicksSeen;
        DuplicatesDropped += stored.DuplicatesDropped;
        TooOld += stored.TooOld;
        FirstSeenAtMs = Min(FirstSeenAtMs, stored.FirstSeenAtMs);
        LastSeenAtMs = Max(LastSeenAtMs, stored.LastSeenAtMs);
        PublishedThroughTimestamp = Max(PublishedThroughTimestamp, stored.PublishedThroughTimestamp);
        if (stored.LastTickTimestamp is { } storedTick && (LastTickTimestamp is not { } tick || storedTick > tick))
        {
            LastTickTimestamp = storedTick;
            LastTickPayload = stored.LastTickPayload;
        }

        TradesSeen += stored.TradesSeen;
        TradeDuplicatesDropped += stored.TradeDuplicatesDropped;
        if (stored.LastTradeSeq is { } storedSeq && (LastTradeSeq is not { } seq || storedSeq > seq))
        {
            LastTradeSeq = storedSeq;
            LastTradeTimestamp = stored.LastTradeTimestamp;
            LastTradePayload = stored.LastTradePayload;
        }
    }

    private static long? Min(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);

    private static long? Max(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);
}
