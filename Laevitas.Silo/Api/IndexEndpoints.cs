using Laevitas.Grains.Abstractions.Api;
using Laevitas.Grains.Abstractions.History;
using Laevitas.Grains.Abstractions.Indexes;
using Laevitas.Grains.Abstractions.Settlements;
using Laevitas.Grains.Indexes;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Laevitas.Silo.Api;

/// <summary>
/// <c>/api/indexes/{index}</c>: one Deribit index's latest price, DVOL and estimated expiration price (from its grain),
/// and their stored history (<c>deribit_index_values</c>).
/// </summary>
internal static class IndexEndpoints
{
    public static RouteGroupBuilder MapIndexEndpoints(this RouteGroupBuilder api)
    {
        var indexes = api.MapGroup("/indexes").WithTags("Indexes");
        indexes.MapGet("/{index}", GetAsync)
            .WithName("GetIndex")
            .WithSummary("Latest price index, DVOL and estimated expiration price of one index")
            .WithDescription("index: Deribit's index name (btc_usd, eth_usd, sol_usdc). DVOL exists for btc_usd and eth_usd only. " +
                             "404 when the cluster has no value of the index.");
        indexes.MapGet("/{index}/history", HistoryAsync)
            .WithName("GetIndexHistory")
            .WithSummary("Stored values of one index, oldest first")
            .WithDescription("kind: price, volatility or estimated_expiration (default: all, interleaved by time). from/to, limit and paging " +
                             "as /api/instruments/{name}/history; a page never ends inside a millisecond.");
        return api;
    }

    private static async Task<Results<Ok<IndexView>, ValidationProblem, ProblemHttpResult>> GetAsync(IGrainFactory grains, string index)
    {
        if (SettlementRequests.ValidateIndexName(index) is { } error)
        {
            var errors = new RequestErrors();
            errors.Add("index", error);
            return ApiProblems.Invalid(errors);
        }

        try
        {
            var snapshot = await grains.GetGrain<IIndexGrain>(index).GetSnapshotAsync();
            return snapshot.IsEmpty ? ApiProblems.IndexValuesNotFound(index) : TypedResults.Ok(IndexView.From(snapshot));
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            return ApiProblems.ClusterUnavailable(ex);
        }
    }

    // Read here rather than through IPriceHistoryGrain: the silo has the data source, a grain hop adds nothing.
    private static async Task<Results<Ok<IndexHistory>, ValidationProblem, ProblemHttpResult>> HistoryAsync(
        IndexValuesStore store, TimeProvider time, string index, string? kind, string? from, string? to, string? limit, CancellationToken cancellationToken)
    {
        var errors = new RequestErrors();
        var limitValue = QueryInt.Parse("limit", limit, errors);
        var query = IndexRequests.TryBuild(index, kind, from, to, limitValue, time.GetUtcNow(), errors);
        if (query is null)
        {
            return ApiProblems.Invalid(errors);
        }

        try
        {
            return TypedResults.Ok(await store.ReadAsync(query, cancellationToken));
        }
        catch (HistoryStorageUnavailableException ex)
        {
            return ApiProblems.StorageUnavailable(ex);
        }
    }
}
