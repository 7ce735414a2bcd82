namespace Laevitas.Grains.Abstractions.Stats;

/// <summary>
/// Collects the pipeline counters every silo reports (<see cref="SiloPipelineStats"/>), so one call answers for the
/// whole cluster. Kept in memory only: after a reactivation the reports refill within one interval. Use
/// <see cref="Key"/>.
/// </summary>
public interface IPipelineStatsGrain : IGrainWithStringKey
{
    public const string Key = "cluster";

    Task ReportAsync(SiloPipelineStats stats);

    /// <summary>The latest report of every silo that reported recently, in silo order.</summary>
    Task<IReadOnlyList<SiloPipelineStats>> GetSiloStatsAsync();
}
