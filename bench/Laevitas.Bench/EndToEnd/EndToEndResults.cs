namespace Laevitas.Bench.EndToEnd;

/// <summary>Everything one <c>all</c> run measured, for the report and the plot.</summary>
internal sealed class EndToEndResults
{
    public required EndToEndSettings Settings { get; init; }

    public required MachineInfo Machine { get; init; }

    public required DateTime StartedUtc { get; init; }

    public required string LoadAverageAtStart { get; init; }

    public string LoadAverageAtEnd { get; set; } = "";

    /// <summary>CPU other processes took just before the run (the bench refuses to start past a few percent unless told).</summary>
    public OtherLoad? OtherLoadAtStart { get; set; }

    public string PostgresVersion { get; set; } = "";

    public string KafkaDescription { get; set; } = "";

    public double PayloadBytes { get; set; }

    public List<CopyBaselineResult> CopyBaselines { get; } = [];

    public KafkaBaselineResult? KafkaBaseline { get; set; }

    public TimeSpan? StartupToFirstRow { get; set; }

    public TimeSpan? StartupToAllSubscribed { get; set; }

    /// <summary>Silo CPU (cores) with every channel subscribed and no ticks flowing.</summary>
    public double? SiloIdleCores { get; set; }

    public long SiloIdleRssBytes { get; set; }

    public List<LoadPhaseResult> FixedLoads { get; } = [];

    /// <summary>The levels asking for multiples of the sustained rate (<c>--overloads</c>), in that order.</summary>
    public List<OverloadResult> Overloads { get; } = [];

    /// <summary>
    /// The highest fixed load the pipeline kept up with (<see cref="LoadPhaseResult.KeptUp"/>). Null when it kept up
    /// with none.
    /// </summary>
    public LoadPhaseResult? Sustained => FixedLoads.Where(p => p.KeptUp).MaxBy(p => p.OfferedPerSecond);

    /// <summary>Why the levels above <c>--loads</c> stopped (null when the ramp was off or never started).</summary>
    public string? RampEnd { get; set; }

    /// <summary>PostgreSQL stopped under live load, then started (null with <c>--skip-catchup</c>).</summary>
    public CatchUpResult? CatchUp { get; set; }

    public long SiloPeakRssBytes { get; set; }

    /// <summary>The minute after the last load (the last overload level) stopped.</summary>
    public MemoryAfterLoad? AfterLoad { get; set; }

    public long TicksSent { get; set; }

    public long RowsStored { get; set; }

    /// <summary>The silo's own counters at the end of the run (where ticks sent but not stored went).</summary>
    public string? SiloCountersAtEnd { get; set; }

    /// <summary>One feed against two on a two-silo cluster (null with <c>--skip-feeds</c>).</summary>
    public Feeds.RedundantFeedsResult? Feeds { get; set; }

    public TimeSpan TotalTime { get; set; }

    /// <summary>The best raw COPY rate measured (the physical baseline).</summary>
    public double? RawCopyRate => CopyBaselines.Where(b => b.Method.StartsWith("raw", StringComparison.Ordinal)).Select(b => (double?)b.RowsPerSecond).Max();
}
