using Laevitas.Grains.Abstractions.Stats;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Laevitas.Silo.Api;

/// <summary><c>/api/stats</c>: silos, activations and the pipeline counters of every silo.</summary>
internal static class StatsEndpoints
{
    public static RouteGroupBuilder MapStatsEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/stats", GetAsync)
            .WithTags("Cluster")
            .WithName("GetStats")
            .WithSummary("Silos, active grains, ticks/s in, published/s, rows/s written, Kafka lag, last error");
        return api;
    }

    private static async Task<Results<Ok<ClusterStats>, ProblemHttpResult>> GetAsync(IGrainFactory grains, TimeProvider time)
    {
        try
        {
            return TypedResults.Ok(await ClusterStatsReader.ReadAsync(grains, time));
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            return ApiProblems.ClusterUnavailable(ex);
        }
    }
}
