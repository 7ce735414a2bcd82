using Laevitas.Grains.Abstractions.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Laevitas.Silo.Api;

/// <summary>The problem+json answers (RFC 9457) the API gives, with titles that say what went wrong.</summary>
internal static class ApiProblems
{
    public static ValidationProblem Invalid(RequestErrors errors) =>
        TypedResults.ValidationProblem(errors.ToDictionary(), detail: errors.ToString(), title: "Invalid request parameters");

    public static ProblemHttpResult NotFound(string instrumentName) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status404NotFound,
            title: "Instrument not found",
            detail: $"The cluster has no listing and no ticks for '{instrumentName}'. GET /api/instruments lists the instruments followed.");

    public static ProblemHttpResult IndexNotFound(Grains.Abstractions.Settlements.SettlementHistory history) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status404NotFound,
            title: "Index not found",
            detail: $"No delivery price of '{history.IndexName}' is stored. Stored indexes: " +
                    (history.StoredIndexes.Count == 0 ? "none yet" : string.Join(", ", history.StoredIndexes)) +
                    " (Settlements:Indexes, or Deribit:Currencies, says which are backfilled).");

    public static ProblemHttpResult IndexValuesNotFound(string indexName) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status404NotFound,
            title: "Index not found",
            detail: $"The cluster has no value of '{indexName}' (received or stored). The feed follows the indexes of Deribit:Currencies " +
                    "(btc_usd, eth_usd, and btc_usdc, eth_usdc, sol_usdc, xrp_usdc for USDC) while Deribit:IndexChannels is on.");

    public static ProblemHttpResult ClusterUnavailable(Exception error) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Cluster unavailable",
            detail: $"The Orleans cluster could not answer: {error.Message}");

    public static ProblemHttpResult StorageUnavailable(Exception error) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Storage unavailable",
            detail: error.Message);
}
