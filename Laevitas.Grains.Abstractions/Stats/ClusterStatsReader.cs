using Orleans.Runtime;

namespace Laevitas.Grains.Abstractions.Stats;

/// <summary>Gathers <see cref="ClusterStats"/> from the management grain and <see cref="IPipelineStatsGrain"/>; used by the API and the client.</summary>
public static class ClusterStatsReader
{
    public static async Task<ClusterStats> ReadAsync(IGrainFactory grains, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var management = grains.GetGrain<IManagementGrain>(0);
        var hostsTask = management.GetDetailedHosts(onlyActive: true);
        var grainStatsTask = management.GetSimpleGrainStatistics();
        var pipelineTask = grains.GetGrain<IPipelineStatsGrain>(IPipelineStatsGrain.Key).GetSiloStatsAsync();
        await Task.WhenAll(hostsTask, grainStatsTask, pipelineTask);

        var silos = hostsTask.Result
            .OrderBy(h => h.SiloAddress.ToString(), StringComparer.Ordinal)
            .Select(h => new SiloView(
                h.SiloAddress.ToString(),
                h.SiloName,
                h.HostName,
                h.Status.ToString(),
                h.StartTime == default ? null : new DateTimeOffset(DateTime.SpecifyKind(h.StartTime, DateTimeKind.Utc))))
            .ToList();

        var byType = new Dictionary<string, int>(StringComparer.Ordinal);
        var total = 0;
        foreach (var stat in grainStatsTask.Result)
        {
            byType[stat.GrainType] = byType.GetValueOrDefault(stat.GrainType) + stat.ActivationCount;
            total += stat.ActivationCount;
        }

        var grainTypes = byType
            .Select(kv => new GrainTypeCount(kv.Key, kv.Value))
            .OrderByDescending(g => g.Activations)
            .ThenBy(g => g.GrainType, StringComparer.Ordinal)
            .ToList();

        var pipeline = pipelineTask.Result;
        return new ClusterStats
        {
            GeneratedAt = (time ?? TimeProvider.System).GetUtcNow(),
            Silos = silos,
            ActiveGrains = total,
            GrainTypes = grainTypes,
            Pipeline = PipelineTotals.Sum(pipeline),
            PipelineBySilo = pipeline,
        };
    }
}
