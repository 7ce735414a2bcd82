using Laevitas.Grains.Abstractions.Api;
using Laevitas.Grains.Abstractions.History;
using Laevitas.Grains.Abstractions.Settlements;
using Laevitas.Grains.Settlements;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Laevitas.Silo.Api;

/// <summary><c>/api/settlements/{index}</c>: the stored delivery prices of one Deribit index (<c>deribit_delivery_prices</c>).</summary>
internal static class SettlementEndpoints
{
    public static RouteGroupBuilder MapSettlementEndpoints(this RouteGroupBuilder api)
    {
        api.MapGroup("/settlements").WithTags("Settlements")
            .MapGet("/{index}", GetAsync)
            .WithName("GetSettlements")
            .WithSummary("Stored delivery prices of one index, oldest first")
            .WithDescription("index: Deribit's index name (btc_usd, eth_usd, sol_usdc). from/to: delivery dates yyyy-MM-dd, both inclusive; " +
                             $"defaults from = {SettlementRequests.Format(SettlementRequests.Earliest)}, to = today (UTC). limit 1..{SettlementRequests.MaxLimit} " +
                             $"(default {SettlementRequests.DefaultLimit}); when more dates match, truncated is true and nextFrom is where the next page starts. " +
                             "404 when no delivery price of the index is stored.");
        return api;
    }

    // Read here rather than through IPriceHistoryGrain: the silo has the data source, a grain hop adds nothing.
    private static async Task<Results<Ok<SettlementHistory>, ValidationProblem, ProblemHttpResult>> GetAsync(
        DeliveryPricesStore store, TimeProvider time, string index, string? from, string? to, string? limit, CancellationToken cancellationToken)
    {
        var errors = new RequestErrors();
        var limitValue = QueryInt.Parse("limit", limit, errors);
        var query = SettlementRequests.TryBuild(index, from, to, limitValue, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime), errors);
        if (query is null)
        {
            return ApiProblems.Invalid(errors);
        }

        try
        {
            var history = await store.ReadAsync(query, cancellationToken);
            return history.IndexKnown ? TypedResults.Ok(history) : ApiProblems.IndexNotFound(history);
        }
        catch (HistoryStorageUnavailableException ex)
        {
            return ApiProblems.StorageUnavailable(ex);
        }
    }
}
