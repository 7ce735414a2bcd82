using Laevitas.Export;
using Laevitas.Grains.Abstractions.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Laevitas.Silo.Api;

/// <summary><c>/api/export</c>: a day or a time range of a market-data table as a CSV or Parquet file, streamed.</summary>
internal static class ExportEndpoints
{
    public static RouteGroupBuilder MapExportEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/export", ExportAsync)
            .WithTags("Export")
            .WithName("Export")
            .WithSummary("A day or a time range of deribit_prices or deribit_trades as CSV or Parquet")
            .WithDescription("table: prices, trades or settlements (delivery prices, selected by their 08:00 UTC settlement time); format: csv (default) or parquet; day: a UTC day (2026-12-01), or from (inclusive) and " +
                             "to (exclusive), ISO-8601 (no offset = UTC) or Unix ms. Streamed as it is read: any length of range. " +
                             "Rows in the table's key order. 400 for bad parameters, 503 when PostgreSQL cannot be reached.")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .Produces(StatusCodes.Status200OK, contentType: "application/vnd.apache.parquet");
        return api;
    }

    private static async Task<Results<PushStreamHttpResult, ValidationProblem, ProblemHttpResult>> ExportAsync(
        TableExporter exporter, NpgsqlDataSource dataSource, string? table, string? format, string? day, string? from, string? to, CancellationToken cancellationToken)
    {
        var errors = new RequestErrors();
        var request = ExportRequests.TryBuild(table, format, day, from, to, errors);
        if (request is null)
        {
            return ApiProblems.Invalid(errors);
        }

        // Once the file starts, the status is 200 and a failure can only cut the transfer short; so an unreachable
        // database is found out first, while a 503 can still say so.
        try
        {
            await using var probe = await dataSource.OpenConnectionAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            return ApiProblems.StorageUnavailable(ex);
        }

        // A failure mid-file propagates: Kestrel then aborts the response instead of ending it, so no client takes a
        // cut-off export for a whole one (a Parquet file without its footer does not even open).
        return TypedResults.Stream(
            body => exporter.ExportAsync(request, body, cancellationToken),
            request.Format.ContentType(),
            request.FileName);
    }
}
