using Laevitas.Grains.Abstractions.Stats;

namespace Laevitas.Grains.Stats;

/// <summary>
/// The latest <see cref="SiloPipelineStats"/> of each silo, in memory. Reports older than <see cref="StaleAfter"/> are
/// left out of answers: that silo stopped reporting (gone, or too busy), and its old rates would mislead.
/// </summary>
[GrainType(GrainTypeName)]
public sealed class PipelineStatsGrain(TimeProvider time) : Grain, IPipelineStatsGrain
{
    public const string GrainTypeName = "pipeline-stats";

    /// <summary>Several report intervals: one late report does not make a silo vanish from the stats.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, SiloPipelineStats> latest = new(StringComparer.Ordinal);

    public Task ReportAsync(SiloPipelineStats stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        latest[stats.Silo] = stats;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<SiloPipelineStats>> GetSiloStatsAsync()
    {
        var cutoff = time.GetUtcNow() - StaleAfter;
        var stale = new List<string>();
        var result = new List<SiloPipelineStats>(latest.Count);
        foreach (var (silo, stats) in latest)
        {
            if (stats.ReportedAt < cutoff)
            {
                stale.Add(silo);
            }
            else
            {
                result.Add(stats);
            }
        }

        foreach (var silo in stale)
        {
            latest.Remove(silo);
        }

        result.Sort(static (a, b) => string.CompareOrdinal(a.Silo, b.Silo));
        return Task.FromResult<IReadOnlyList<SiloPipelineStats>>(result);
    }
}
