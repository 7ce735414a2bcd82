namespace Laevitas.Grains.Abstractions.Stats;

/// <summary>Cluster and pipeline statistics (<c>GET /api/stats</c>, <c>laevitas stats --json</c>).</summary>
public sealed record ClusterStats
{
    public required DateTimeOffset GeneratedAt { get; init; }
    public required IReadOnlyList<SiloView> Silos { get; init; }

    /// <summary>Grain activations in the cluster (every type, system grains included).</summary>
    public required int ActiveGrains { get; init; }

    /// <summary>Activations per grain type, most first.</summary>
    public required IReadOnlyList<GrainTypeCount> GrainTypes { get; init; }

    public required PipelineTotals Pipeline { get; init; }

    /// <summary>Each silo's latest report.</summary>
    public required IReadOnlyList<SiloPipelineStats> PipelineBySilo { get; init; }
}
