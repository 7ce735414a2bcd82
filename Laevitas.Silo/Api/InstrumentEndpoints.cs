using Laevitas.Grains.Abstractions.Api;
using Laevitas.Grains.Abstractions.History;
using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Grains.Abstractions.Trades;
using Laevitas.Grains.History;
using Laevitas.Grains.Trades;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Laevitas.Silo.Api;

/// <summary><c>/api/instruments</c>: the followed instruments, one instrument's latest ticker, its stored history and trades.</summary>
internal static class InstrumentEndpoints
{
    public static RouteGroupBuilder MapInstrumentEndpoints(this RouteGroupBuilder api)
    {
        var instruments = api.MapGroup("/instruments").WithTags("Instruments");
        instruments.MapGet("/", ListAsync)
            .WithName("ListInstruments")
            .WithSummary("Instruments the cluster follows, in name order")
            .WithDescription("Filters: currency (BTC), kind (option, future, perpetual, future_combo, option_combo, spot), " +
                             "expiry (2024-12-27, 27DEC24 or a range FROM..TO), status (active, expired, delisted), limit (1..10000).");
        instruments.MapGet("/{name}", GetAsync)
            .WithName("GetInstrument")
            .WithSummary("Latest ticker and counters of one instrument");
        instruments.MapGet("/{name}/history", HistoryAsync)
            .WithName("GetInstrumentHistory")
            .WithSummary("Stored ticks of one instrument, oldest first")
            .WithDescription("from/to: exchange time, ISO-8601 (no offset = UTC) or Unix milliseconds; from inclusive, to exclusive. " +
                             "Defaults: to = now, from = to - 1 h. At most 31 days per request; limit 1..10000 (default 1000). " +
                             "When more rows match, truncated is true and nextFrom is where the next page starts.");
        instruments.MapGet("/{name}/trades", TradesAsync)
            .WithName("GetInstrumentTrades")
            .WithSummary("Stored trades of one instrument, oldest first")
            .WithDescription("Same parameters and paging as /history; a page never ends inside a millisecond, so paging repeats no trade.");
        return api;
    }

    private static async Task<Results<Ok<InstrumentList>, ValidationProblem, ProblemHttpResult>> ListAsync(
        IGrainFactory grains, string? currency, string? kind, string? expiry, string? status, string? limit)
    {
        var errors = new RequestErrors();
        var limitValue = QueryInt.Parse("limit", limit, errors);
        var query = InstrumentRequests.TryBuildListQuery(currency, kind, expiry, status, limitValue, errors);
        if (query is null)
        {
            return ApiProblems.Invalid(errors);
        }

        try
        {
            var listings = await grains.GetGrain<IInstrumentRegistryGrain>(IInstrumentRegistryGrain.Key).ListAsync(query);
            return TypedResults.Ok(InstrumentList.From(listings));
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            return ApiProblems.ClusterUnavailable(ex);
        }
    }

    private static async Task<Results<Ok<InstrumentDetailView>, ValidationProblem, ProblemHttpResult>> GetAsync(IGrainFactory grains, string name)
    {
        if (InstrumentRequests.ValidateName(name) is { } error)
        {
            var errors = new RequestErrors();
            errors.Add("name", error);
            return ApiProblems.Invalid(errors);
        }

        try
        {
            var snapshot = await grains.GetGrain<IInstrumentGrain>(name).GetSnapshotAsync();
            return InstrumentDetailView.IsKnown(snapshot)
                ? TypedResults.Ok(InstrumentDetailView.From(snapshot))
                : ApiProblems.NotFound(name);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            return ApiProblems.ClusterUnavailable(ex);
        }
    }

    // Read here rather than through IPriceHistoryGrain: the silo has the data source, a grain hop adds nothing.
    private static Task<Results<Ok<PriceHistory>, ValidationProblem, ProblemHttpResult>> HistoryAsync(
        PriceHistoryReader reader, TimeProvider time, string name, string? from, string? to, string? limit, CancellationToken cancellationToken) =>
        RangeQueryAsync(reader.ReadAsync, time, name, from, to, limit, cancellationToken);

    private static Task<Results<Ok<TradeHistory>, ValidationProblem, ProblemHttpResult>> TradesAsync(
        TradeHistoryReader reader, TimeProvider time, string name, string? from, string? to, string? limit, CancellationToken cancellationToken) =>
        RangeQueryAsync(reader.ReadAsync, time, name, from, to, limit, cancellationToken);

    /// <summary>The history and trades endpoints: the same parameters, validation, paging and storage errors.</summary>
    private static async Task<Results<Ok<TAnswer>, ValidationProblem, ProblemHttpResult>> RangeQueryAsync<TAnswer>(
        Func<PriceHistoryQuery, CancellationToken, Task<TAnswer>> read,
        TimeProvider time, string name, string? from, string? to, string? limit, CancellationToken cancellationToken)
    {
        var errors = new RequestErrors();
        var limitValue = QueryInt.Parse("limit", limit, errors);
        var query = HistoryRequests.TryBuild(name, from, to, limitValue, time.GetUtcNow(), errors);
        if (query is null)
        {
            return ApiProblems.Invalid(errors);
        }

        try
        {
            return TypedResults.Ok(await read(query, cancellationToken));
        }
        catch (HistoryStorageUnavailableException ex)
        {
            return ApiProblems.StorageUnavailable(ex);
        }
    }
}
