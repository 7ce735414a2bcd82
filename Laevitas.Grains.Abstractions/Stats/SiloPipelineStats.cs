namespace Laevitas.Grains.Abstractions.Stats;

/// <summary>
/// One silo's pipeline counters, reported every few seconds to <see cref="IPipelineStatsGrain"/>. Totals count since
/// the silo started; rates are over the last report interval. Null: that part of the pipeline does not run there.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SiloPipelineStats
{
    /// <summary>Orleans silo address (<c>S127.0.0.1:11111:123</c>).</summary>
    [Id(0)] public required string Silo { get; init; }
    [Id(1)] public string? HostName { get; init; }
    [Id(2)] public DateTimeOffset ReportedAt { get; init; }
    [Id(3)] public double IntervalSeconds { get; init; }

    // Feed (exchange → silo)
    [Id(4)] public bool? FeedConnected { get; init; }
    [Id(5)] public int? FeedConnections { get; init; }
    [Id(6)] public int? InstrumentsFollowed { get; init; }
    [Id(7)] public long? TicksReceived { get; init; }
    [Id(8)] public double? TicksInPerSecond { get; init; }
    [Id(9)] public long? ParseErrors { get; init; }
    [Id(10)] public long? Reconnects { get; init; }

    // Publisher (grains → Kafka)
    [Id(11)] public long? Published { get; init; }
    [Id(12)] public double? PublishedPerSecond { get; init; }
    [Id(13)] public long? PublishBuffered { get; init; }
    [Id(14)] public long? PublishSpoolPending { get; init; }
    [Id(15)] public long? PublishDropped { get; init; }

    // Writer (Kafka → PostgreSQL)
    [Id(16)] public long? RowsWritten { get; init; }
    [Id(17)] public double? RowsWrittenPerSecond { get; init; }
    [Id(18)] public long? WriteFailures { get; init; }
    [Id(19)] public bool? DatabaseAvailable { get; init; }

    /// <summary>Ticks in Kafka not yet stored, over the partitions this silo reads.</summary>
    [Id(20)] public long? KafkaLag { get; init; }

    /// <summary>The most recent error any part of the pipeline on this silo recorded.</summary>
    [Id(21)] public string? LastError { get; init; }
    [Id(22)] public DateTimeOffset? LastErrorAt { get; init; }

    /// <summary><c>feed</c>, <c>publisher</c> or <c>writer</c>.</summary>
    [Id(23)] public string? LastErrorSource { get; init; }

    // Dispatch (feed → instrument grains), on the silo running the feed
    /// <summary>Ticks read off the socket and not yet taken by their instrument grain.</summary>
    [Id(24)] public long? DispatchPending { get; init; }

    /// <summary>Ticks shed because <c>Dispatch:MaxPendingTicks</c> were already waiting (counted and logged).</summary>
    [Id(25)] public long? DispatchDropped { get; init; }

    /// <summary>Ticks the broker deleted (retention) before this silo's writers read them.</summary>
    [Id(26)] public long? KafkaExpired { get; init; }

    /// <summary>Records of the tick topic that could never be stored, set aside to the dead-letter topic.</summary>
    [Id(27)] public long? DeadLettered { get; init; }

    /// <summary>
    /// Ticks this silo's instrument grains did not publish because they had accepted one at least as new: the other
    /// feeds' copies. About (feeds - 1) × ticks when redundant feeds run; not a loss.
    /// </summary>
    [Id(28)] public long? DuplicatesDropped { get; init; }

    /// <summary>Ticks accepted although older than the newest: one feed brought a tick the faster one had missed.</summary>
    [Id(29)] public long? LateAccepted { get; init; }

    /// <summary>Ticks older than the instrument grains' accept horizon, not published: a copy, or a tick no feed delivered in time.</summary>
    [Id(30)] public long? TooOld { get; init; }

    /// <summary>The settlement backfill on this silo: index → newest delivery date stored (yyyy-MM-dd); null when it does not run.</summary>
    [Id(31)] public Dictionary<string, string>? SettlementsNewest { get; init; }

    /// <summary>When this silo's last settlement backfill pass ended.</summary>
    [Id(32)] public DateTimeOffset? SettlementsPassAt { get; init; }

    // Trades: the same path as the ticks, counted apart so the tick figures keep meaning ticks.
    /// <summary>Trades read off the exchange's trades channels (every feed's copy).</summary>
    [Id(33)] public long? TradesReceived { get; init; }

    /// <summary>Trades the broker acknowledged on the trades topic.</summary>
    [Id(34)] public long? TradesPublished { get; init; }

    /// <summary>Trades waiting in the trades publisher's spool for the broker.</summary>
    [Id(35)] public long? TradesSpoolPending { get; init; }

    /// <summary>Rows inserted into <c>deribit_trades</c> (trades new to the table).</summary>
    [Id(36)] public long? TradeRowsWritten { get; init; }

    /// <summary>
    /// Ticks per second the dispatcher is held to because the writers are <c>Dispatch:PaceBacklog</c> behind (the
    /// rest is held back at the exchange, then shed); null when it is not.
    /// </summary>
    [Id(37)] public double? DispatchPacedTo { get; init; }
}
